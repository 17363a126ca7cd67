#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --heap-growing-percent=100
// A 4 MB young generation (Node's default grows it to 16 MB under load): about 30 MB less resident
// memory for a busy gateway. MALLOC_ARENA_MAX=2: glibc gives every thread that allocates its own malloc
// arena (the event loop, the request log's worker, libuv's pool); two arenas took the peak RSS at c=32
// saturation from 162-192 MB to 135-156 MB. --heap-growing-percent=100: the old generation may double
// between full collections, where V8's own factor (up to 4x for a heap it collects fast) let 20 MB of
// live objects sit in 45-66 MB of old space under load; peak RSS at c=32 went from 153-163 MB to
// 127 MB for about the same CPU (30 and 50 gave 117-121 MB for ~12% more CPU on the GC threads).
// `npm start` runs this file through this line; the bench
// reads it and gives the gateway under test the same flags and environment.
import { main } from '../lib/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
