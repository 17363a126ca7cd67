/**
 * A request's cancellation: set once when the client goes away, read by the attempt loop and the
 * upstream call in flight. A plain object with a listener list: an AbortController and its
 * EventTarget cost several microseconds a request on the hot path, and nothing here needs the DOM API.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  /** Calls `listener` once on cancellation (at once when already cancelled); returns its removal. */
  onCancel(listener: () => void): () => void;
}

export class Cancellation implements CancelSignal {
  aborted = false;
  private listeners: Array<() => void> | undefined;

  cancel(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  /** Resolves after `ms`, or at once when the client goes away (the attempt loop waiting for a key's Retry-After). */
  sleep(ms: number): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const off = this.onCancel(done);
      function done(): void {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  onCancel(listener: () => void): () => void {
    if (this.aborted) {
      listener();
      return noop;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const at = this.listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.listeners!.splice(at, 1);
    };
  }
}

function noop(): void {}
