/**
 * The gateway under test, in its own process: the real `anyrouter serve` (the CLI's main, so whatever the
 * serve command wires in by default, such as tracing and metrics, is on), plus the bench's IPC for memory
 * readings. bench/gateway.ts forks it with the serve arguments.
 *
 * Env: BENCH_GATEWAY_ENTRY = file URL of the CLI's main module (the bench's transpiled src/cli/main.js,
 *      lib/cli/main.js after `npm run build`, or src/cli/main.ts when this file runs under tsx).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { serveParent } from './child-ipc.js';

// the parent is gone (killed): nothing will read our results, stop at once
serveParent(() => process.exit(1));

const entry = process.env.BENCH_GATEWAY_ENTRY;
if (!entry) throw new Error('gateway-child: BENCH_GATEWAY_ENTRY is not set');
const { main } = (await import(entry)) as { main(argv: string[]): Promise<number> };

// BENCH_ALLOCATION_PROFILE=FILE: sample allocations (every 4 KB), including what the GC has collected since
// (what --heap-prof leaves out), and write the profile there on the way out (a .heapprofile for DevTools)
const allocationProfile = process.env.BENCH_ALLOCATION_PROFILE;
const session = allocationProfile ? await startAllocationSampling() : undefined;

// resolves once the server closed (SIGTERM/SIGINT drain); exiting writes a --cpu-prof profile
const code = await main(process.argv.slice(2));
if (session && allocationProfile) {
  const { profile } = await post<{ profile: unknown }>(session, 'HeapProfiler.stopSampling');
  writeFileSync(allocationProfile, JSON.stringify(profile));
}
process.exit(code);

async function startAllocationSampling(): Promise<Session> {
  const inspectorSession = new Session();
  inspectorSession.connect();
  // BENCH_ALLOCATION_PROMOTED=1 leaves out what young-generation collections freed: what remains is what got promoted (or is still live)
  const promotedOnly = process.env.BENCH_ALLOCATION_PROMOTED === '1';
  await post(inspectorSession, 'HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !promotedOnly });
  return inspectorSession;
}

function post<T = unknown>(inspectorSession: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => inspectorSession.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}
