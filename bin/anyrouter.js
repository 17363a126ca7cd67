#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// A 4 MB young generation (Node's default grows it to 16 MB under load): about 30 MB less resident
// memory for a busy gateway. MALLOC_ARENA_MAX=2: glibc gives every thread that allocates its own malloc
// arena (the event loop, the request log's worker, libuv's pool); two arenas took the peak RSS at c=32
// saturation from 162-192 MB to 135-156 MB. `npm start` runs this file through this line; the bench
// reads it and gives the gateway under test the same flags and environment.
import { main } from '../lib/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
