/**
 * The machine's floor for any added latency: the round trip of one byte over loopback TCP between two
 * Node.js processes (an echo child and this process), back to back and with gaps like a fixed-rate
 * load's. A proxy adds at least one such round trip to every request, so no proxy's added p50/p99 can
 * be below these figures here. Each process is pinned like the gateway bench pins its servers.
 *
 * Run: npm run bench:loopback [-- --samples N]
 */
import { execFileSync, fork } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, percentile, Table } from './report.js';

if (process.argv[2] === 'echo') {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as net.AddressInfo).port));
} else {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '2000' } } });
  const samples = Math.max(100, Number(values.samples));
  const child = fork(fileURLToPath(import.meta.url), ['echo'], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
  const pin = (pid: number, cpu: number) => {
    try {
      execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    } catch {
      // no taskset: unpinned
    }
  };
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const roundTrips = async (gapMs: number, n: number): Promise<Float64Array> => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const started = process.hrtime.bigint();
      socket.write('x');
      await new Promise((resolve) => socket.once('data', resolve));
      out[i] = Number(process.hrtime.bigint() - started) / 1000;
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    return out.sort();
  };
  const table = new Table(['round trip, 1 byte, loopback TCP', 'p50', 'p99']);
  const cpus = os.availableParallelism();
  for (const [where, echoCpu, selfCpu] of [['on two CPUs', 0, Math.min(1, cpus - 1)], ['on one CPU', 0, 0]] as const) {
    pin(child.pid!, echoCpu);
    pin(process.pid, selfCpu);
    await roundTrips(0, 200); // warm-up
    for (const gap of [0, 2, 20]) {
      const rtt = await roundTrips(gap, gap === 20 ? Math.max(100, samples / 10) : samples);
      table.row(`${where}, ${gap === 0 ? 'back to back' : `every ${gap} ms`}`, fmt.us(percentile(rtt, 0.5)), fmt.us(percentile(rtt, 0.99)));
    }
  }
  console.log(table.toString());
  socket.destroy();
  child.kill();
}
