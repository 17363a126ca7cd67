/**
 * The parent side of the bench's child processes: fork an entry (plain JS, or TypeScript under tsx), wait
 * until it listens, read its memory over IPC, stop it, and make sure none outlives the bench (exit, error,
 * SIGINT).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { ChildMessage, ParentMessage, ProcessSample } from './child-ipc.js';

const live = new Set<ChildProcess>();
const exitHooks: Array<() => void> = [];
let cleanupInstalled = false;

/** Runs `hook` (synchronous) when the bench exits, however it exits short of SIGKILL. */
export function atExit(hook: () => void): void {
  exitHooks.push(hook);
}

function runExitHooks(): void {
  killAllChildren();
  for (const hook of exitHooks.splice(0)) {
    try {
      hook();
    } catch {
      // best effort on the way out
    }
  }
}

/** SIGKILLs every child still running (synchronous: safe in an 'exit' handler). */
export function killAllChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Kills the children on every way out of the bench process. Call once, before forking anything. */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', runExitHooks);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping the servers\n`);
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`bench: unhandled rejection: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

export type { ProcessSample };

export interface BenchChild {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** Memory and CPU time as they are; with `gc`, memory also after a full GC (needs --expose-gc). */
  sample(options?: { gc?: boolean }): Promise<ProcessSample>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process exited. */
  stop(graceMs?: number): Promise<void>;
  /** The end of the child's log file (stderr), for error messages. */
  logTail(): string;
}

export interface ForkOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Run a .ts entry through tsx's loader (default: plain node). */
  tsx?: boolean;
  /** Send the child's stdout and stderr to this file (default: stderr inherited, stdout dropped). */
  logFile?: string;
  /** The child never says 'ready': it listens on this port, poll it over HTTP until it answers. */
  pollPort?: number;
  startTimeoutMs?: number;
}

const TSX_LOADER = fileURLToPath(import.meta.resolve('tsx'));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Forks `entry` (an absolute path) and waits until it listens. */
export async function forkChild(name: string, entry: string, options: ForkOptions = {}): Promise<BenchChild> {
  installCleanup();
  const logFd = options.logFile ? openSync(options.logFile, 'w') : undefined;
  const child = fork(entry, options.args ?? [], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    execArgv: [...(options.tsx ? ['--import', TSX_LOADER] : []), ...(options.nodeFlags ?? [])],
    stdio: logFd !== undefined ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  if (logFd !== undefined) closeSync(logFd);
  live.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    live.delete(child);
    resolve(code);
  }));
  const logTail = () => (options.logFile ? readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n') : '(stderr was inherited)');

  const pending = new Map<number, (sample: ProcessSample) => void>();
  let nextId = 0;
  let readyPort: ((port: number) => void) | undefined;
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') readyPort?.(message.port);
    else if (message.type === 'sample') {
      const { type: _type, id: _id, ...reading } = message;
      pending.get(message.id)?.(reading);
      pending.delete(message.id);
    }
  });

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let settled = false;
  const listening = options.pollPort !== undefined ? pollHttp(options.pollPort, timeoutMs, () => settled) : new Promise<number>((resolve) => (readyPort = resolve));
  let timer: NodeJS.Timeout | undefined;
  const port = await Promise.race([
    listening,
    exited.then((code) => Promise.reject(new Error(`${name} exited (code ${code}) before it listened:\n${logTail()}`))),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} did not listen within ${timeoutMs} ms:\n${logTail()}`)), timeoutMs))),
  ]).finally(() => {
    settled = true;
    clearTimeout(timer);
  });

  return {
    name,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    sample(options = {}) {
      const id = nextId++;
      return new Promise<ProcessSample>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`${name} did not answer a sample request`)), 5_000);
        pending.set(id, (sample) => {
          clearTimeout(timeout);
          resolve(sample);
        });
        child.send({ type: 'sample', id, gc: options.gc === true } satisfies ParentMessage);
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(kill);
    },
    logTail,
  };
}

async function pollHttp(port: number, timeoutMs: number, givenUp: () => boolean): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (!givenUp()) {
    try {
      // any HTTP answer (even 401 or 404) means the server listens
      const answer = await request(`http://127.0.0.1:${port}/health`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await answer.body.dump();
      return port;
    } catch {
      if (Date.now() > until) throw new Error(`nothing answered on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return port;
}

/**
 * Pins a process (all its threads) to one CPU with taskset. On a 2-CPU machine the bench puts the server
 * under test on one CPU and the load generator and mock upstream on the other: unpinned, the scheduler's
 * placement of the server next to the load generator changes throughput by tens of percent from one run
 * (and one process) to the next. False when taskset is missing or refused.
 */
export function pinToCpu(pid: number, cpu: number, threads: 'all' | 'main' = 'all'): boolean {
  try {
    execFileSync('taskset', [...(threads === 'all' ? ['-a'] : []), '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts a process's main (event loop) thread on `mainCpu` and every other thread it has now (a worker
 * thread, libuv's pool, V8's helpers) on `otherCpu`: a 2-core deployment, where the event loop has a
 * core and its helpers run beside it. Threads started later inherit the main thread's CPU: call again
 * after the process has warmed up. False when taskset or /proc is missing or refused.
 */
export function pinThreads(pid: number, mainCpu: number, otherCpu: number): boolean {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      execFileSync('taskset', ['-p', '-c', String(Number(tid) === pid ? mainCpu : otherCpu), tid], { stdio: 'ignore' });
    }
    return true;
  } catch {
    return false;
  }
}
