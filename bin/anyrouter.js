#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=4 --heap-growing-percent=100
// A 4 MB young generation (Node's default grows it to 16 MB under load): about 30 MB less resident
// memory for a busy gateway. MALLOC_ARENA_MAX=2: glibc gives every thread that allocates its own malloc
// arena (the event loop, the request log's worker, libuv's pool); two arenas took the peak RSS at c=32
// saturation from 162-192 MB to 135-156 MB. --heap-growing-percent=100: the old generation may double
// between full collections, where V8's own factor (up to 4x for a heap it collects fast) let 20 MB of
// live objects sit in 45-66 MB of old space under load; peak RSS at c=32 went from 153-163 MB to
// 127 MB for about the same CPU (30 and 50 gave 117-121 MB for ~12% more CPU on the GC threads).
// MALLOC_MMAP_THRESHOLD_=131072: glibc otherwise raises its mmap threshold each time a large block is
// freed, so the request log's batch buffers (100-500 KB, ten a second) moved into the main heap and
// fragmented it: after a minute at c=32 the brk heap held 43 MB and RSS was 153-155 MB; fixed at
// 128 KB, 122-124 MB, for the same throughput (a paired run: 0.99x).
// `npm start` runs this file through this line; the bench
// reads it and gives the gateway under test the same flags and environment.
import { main } from '../lib/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
