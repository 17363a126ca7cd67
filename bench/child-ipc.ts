/**
 * The child side of the bench's IPC: answers memory and CPU queries, says when it listens, and exits when
 * the parent goes away (so a killed bench never leaves a server behind).
 */

import { readFileSync } from 'node:fs';

export type ParentMessage = { type: 'sample'; id: number; gc?: boolean };

export interface ProcessSample {
  rss: number;
  heapUsed: number;
  /** process.cpuUsage() user + system, in µs since the process started. */
  cpuUs: number;
  /** The main (event loop) thread's share of cpuUs, from /proc (10 ms ticks); absent where /proc is not. */
  mainThreadCpuUs?: number;
  /** After a full GC (`gc: true` and the child runs with --expose-gc). */
  afterGc?: { rss: number; heapUsed: number };
}

export type ChildMessage = { type: 'ready'; port: number } | ({ type: 'sample'; id: number } & ProcessSample);

function send(message: ChildMessage): void {
  process.send?.(message);
}

export function announceReady(port: number): void {
  send({ type: 'ready', port });
}

/** utime + stime of the main thread (its task id is the pid), in µs; undefined without /proc. */
function mainThreadCpuUs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14th and 15th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Installs the IPC handlers. `onParentGone` runs when the IPC channel closes (default: exit at once). */
export function serveParent(onParentGone: () => void = () => process.exit(0)): void {
  if (!process.send) throw new Error('this bench child must be started by bench/gateway.ts (it needs an IPC channel)');
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'sample') {
      const usage = process.memoryUsage();
      const cpu = process.cpuUsage();
      const reading: ChildMessage = { type: 'sample', id: message.id, rss: usage.rss, heapUsed: usage.heapUsed, cpuUs: cpu.user + cpu.system, mainThreadCpuUs: mainThreadCpuUs() };
      const gc = (globalThis as { gc?: () => void }).gc;
      if (message.gc && gc) {
        gc();
        const after = process.memoryUsage();
        reading.afterGc = { rss: after.rss, heapUsed: after.heapUsed };
      }
      send(reading);
    }
  });
  process.on('disconnect', onParentGone);
}
