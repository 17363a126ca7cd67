# AnyRouter gateway image: `anyrouter serve` as the entrypoint, the config mounted at /config.
#   docker build -t anyrouter .
#   docker run -p 8787:8787 -v "$PWD/deploy/config:/config:ro" -e OPENAI_API_KEY anyrouter
# The default command compiles /config/anyrouter.config.ts (with its models/ and presets/) at start;
# pass `--bundle /config/routing.json` to serve a bundle built by `anyrouter build` instead (as the Helm chart does).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY dashboard ./dashboard
COPY models ./models
COPY presets ./presets
COPY anyrouter.config.ts ./
COPY docker/build-steps.sh ./docker/build-steps.sh
RUN sh docker/build-steps.sh

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
# the request log (SQLite) goes to a writable volume, not into the image
RUN mkdir -p /data /config && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["node", "-e", "fetch('http://127.0.0.1:8787/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/anyrouter.js", "serve"]
CMD ["--config", "/config/anyrouter.config.ts", "--host", "0.0.0.0", "--port", "8787"]
