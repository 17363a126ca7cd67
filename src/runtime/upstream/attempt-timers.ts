/**
 * The first-byte and deadline timers of every upstream call in flight, on one shared tick instead of
 * two Node timers a call: a call adds itself with its absolute due times and removes itself when done.
 * The tick runs only while a call is in flight and never keeps the process alive. A timeout fires at
 * most one tick late.
 */
export const TICK_MS = 5;

export interface TimedCall {
  /** Date.now() ms by which the first byte must arrive (Infinity once it did). */
  firstByteAt: number;
  /** Date.now() ms at which the attempt is abandoned. */
  deadlineAt: number;
  /** Called once, by the tick, when a due time passed; the call removes itself. */
  expire(which: 'first byte' | 'deadline'): void;
}

const calls = new Set<TimedCall>();
let tick: NodeJS.Timeout | undefined;

function check(): void {
  const now = Date.now();
  for (const call of calls) {
    if (now >= call.firstByteAt) call.expire('first byte');
    else if (now >= call.deadlineAt) call.expire('deadline');
  }
  if (calls.size === 0 && tick) {
    clearInterval(tick);
    tick = undefined;
  }
}

export function watchCall(call: TimedCall): void {
  calls.add(call);
  if (!tick) {
    tick = setInterval(check, TICK_MS);
    tick.unref();
  }
}

export function unwatchCall(call: TimedCall): void {
  calls.delete(call);
}
