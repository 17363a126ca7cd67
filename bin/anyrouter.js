#!/usr/bin/env -S node --max-semi-space-size=4
// A 4 MB young generation (Node's default grows it to 16 MB under load): about 30 MB less resident
// memory for a busy gateway at no measurable throughput cost. Keep in step with "start" in package.json
// (which runs this file through node) and with bench/gateway.ts (which reads this line).
import { main } from '../lib/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
