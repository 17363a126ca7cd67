/**
 * The child side of the bench's IPC: answers memory and CPU queries, says when it listens, and exits when
 * the parent goes away (so a killed bench never leaves a server behind).
 */

export type ParentMessage = { type: 'sample'; id: number; gc?: boolean };

export interface ProcessSample {
  rss: number;
  heapUsed: number;
  /** process.cpuUsage() user + system, in µs since the process started. */
  cpuUs: number;
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

/** Installs the IPC handlers. `onParentGone` runs when the IPC channel closes (default: exit at once). */
export function serveParent(onParentGone: () => void = () => process.exit(0)): void {
  if (!process.send) throw new Error('this bench child must be started by bench/gateway.ts (it needs an IPC channel)');
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'sample') {
      const usage = process.memoryUsage();
      const cpu = process.cpuUsage();
      const reading: ChildMessage = { type: 'sample', id: message.id, rss: usage.rss, heapUsed: usage.heapUsed, cpuUs: cpu.user + cpu.system };
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
