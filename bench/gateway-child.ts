/**
 * The gateway under test, in its own process: the real `anyrouter serve` (the CLI's main, so whatever the
 * serve command wires in by default, such as tracing and metrics, is on), plus the bench's IPC for memory
 * readings. bench/gateway.ts forks it with the serve arguments.
 *
 * Env: BENCH_GATEWAY_ENTRY = file URL of the CLI's main module (the bench's transpiled src/cli/main.js,
 *      lib/cli/main.js after `npm run build`, or src/cli/main.ts when this file runs under tsx).
 */
import { serveParent } from './child-ipc.js';

// the parent is gone (killed): nothing will read our results, stop at once
serveParent(() => process.exit(1));

const entry = process.env.BENCH_GATEWAY_ENTRY;
if (!entry) throw new Error('gateway-child: BENCH_GATEWAY_ENTRY is not set');
const { main } = (await import(entry)) as { main(argv: string[]): Promise<number> };

// resolves once the server closed (SIGTERM/SIGINT drain); exiting writes a --cpu-prof profile
process.exit(await main(process.argv.slice(2)));
