/**
 * A guard over everything a test file's process prints: the gateways run in-process in the tests, so an
 * error printed on a path that still answers (a stack trace, Node's `Error [ERR_...]`) fails the file that
 * printed it, even when every assertion passed.
 */
import { format } from 'node:util';
import { afterAll, expect } from 'vitest';

/** A stack frame line (`    at fn (file.js:1:2)`), or Node's coded error heading. */
const PRINTED_ERROR = /^\s+at .+:\d+:\d+\)?\s*$|Error \[[A-Z0-9_]+\]/m;

const offending: string[] = [];

function check(text: string): void {
  if (PRINTED_ERROR.test(text)) offending.push(text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text);
}

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    check(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    check(format(...args));
    original(...args);
  };
}

afterAll(() => {
  expect(offending, 'the process printed a stack trace or an `Error [` line').toEqual([]);
});
