#!/bin/sh
# The image's build steps (the Dockerfile's build stage runs this file), runnable in any clean copy of the
# repository: install exactly the locked dependencies, compile lib/, then drop the dev dependencies so
# what is left (bin, lib, node_modules, the default catalog) is what the runtime stage copies.
set -eu
npm ci --no-audit --no-fund ${NPM_CI_FLAGS:-}
npm run build
npm prune --omit=dev --no-audit --no-fund
# the runtime needs none of these
rm -rf src test bench dashboard
