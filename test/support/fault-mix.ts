/**
 * A seeded fault mix for the mock upstreams (issue 19's sustained-fault scenario): each attempt fails
 * with probability `rate`, the fault drawn uniformly from `kinds`. Shared by the end-to-end test
 * (test/e2e/sustained-faults.e2e.test.ts) and `npm run bench -- --only faults`.
 *
 *   const upstream = faultMixUpstream('p1', SUSTAINED_FAULT_MIX, { seed: 19 });
 *   const mock = await startMockOpenAI({ default: upstream.behaviour });
 *   // ... after the load: upstream.log.lastAt(tag) is what this upstream did to that client request
 *
 * The draw is a function of (seed, upstream, request tag, how many times this tag came to this upstream),
 * not of arrival order, so a run is reproducible whatever the interleaving of concurrent requests. The
 * tag is the marker `requestTag()` finds in the prompt (`scenarioPrompt()` writes it); untagged requests
 * draw from one sequential stream per upstream.
 */
import { seededRandom } from '../../src/simulation/seeded-random.js';
import type { Behaviour, BehaviourFn, ReceivedRequest } from './mock-openai-upstream.js';
import { isObject } from './mock-upstream-server.js';

/** What an upstream does to one attempt. */
export type FaultKind = 'http_429' | 'http_500' | 'http_503' | 'hang' | 'reset' | 'cut';

/** Every kind, in the order a draw picks from. */
export const FAULT_KINDS: readonly FaultKind[] = ['http_429', 'http_500', 'http_503', 'hang', 'reset', 'cut'];

export interface FaultMix {
  /** Share of attempts that fail, 0..1. */
  rate: number;
  /** The faults, drawn uniformly. */
  kinds: readonly FaultKind[];
  /** `Retry-After` of a 429, in seconds. */
  retryAfterSeconds: number;
  /** How long a `hang` waits before its headers (past the provider's `timeoutMs`, so the gateway gives up first). */
  hangMs: number;
  /** SSE events a `cut` stream sends before it closes without a finish chunk or `[DONE]` (a JSON answer: half its body). */
  cutAfterChunks: number;
}

/** Issue 19's mix: 30% of attempts, over 429 (Retry-After 1 s), 500, 503, a 4 s hang, a reset and a cut. */
export const SUSTAINED_FAULT_MIX: FaultMix = { rate: 0.3, kinds: FAULT_KINDS, retryAfterSeconds: 1, hangMs: 4_000, cutAfterChunks: 2 };

/** The same upstreams, no faults: the latency baseline. */
export const NO_FAULTS: FaultMix = { ...SUSTAINED_FAULT_MIX, rate: 0 };

/** The mix as `anyrouter simulate --faults` spells it for each provider: `p1=mix:0.3:1,p2=mix:0.3:1`. */
export function simulateFaultSpec(providers: readonly string[], mix: FaultMix): string {
  return providers.map((p) => `${p}=mix:${mix.rate}:${mix.retryAfterSeconds}`).join(',');
}

/** The mock behaviour of a fault. */
export function faultBehaviour(kind: FaultKind, mix: FaultMix): Behaviour {
  switch (kind) {
    case 'http_429':
      return { status: 429, headers: { 'retry-after': String(mix.retryAfterSeconds) } };
    case 'http_500':
      return { status: 500 };
    case 'http_503':
      return { status: 503 };
    case 'hang':
      return { delayMs: mix.hangMs };
    case 'reset':
      return { reset: true };
    case 'cut':
      return { cutAfterChunks: mix.cutAfterChunks };
  }
}

// ---------------------------------------------------------------------------------------------
// Request tags

const TAG = /\[fault-scenario request ([\w.-]+)\]/;

/** The user prompt of tagged request `tag`: the mocks read the tag back to draw and record per request. */
export function scenarioPrompt(tag: string): string {
  return `Say hello [fault-scenario request ${tag}]`;
}

/** The tag in a request's messages, if any. */
export function requestTag(request: ReceivedRequest): string | undefined {
  const messages = isObject(request.body) && Array.isArray(request.body.messages) ? request.body.messages : [];
  for (const message of messages) {
    const content = isObject(message) ? message.content : undefined;
    const match = typeof content === 'string' ? TAG.exec(content) : null;
    if (match) return match[1];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The upstream

/** One attempt as the upstream saw it: the fault it drew (`ok`: none). */
export type Draw = FaultKind | 'ok';

/** What one upstream drew, per client request tag and in all. */
export class FaultLog {
  private readonly byTag = new Map<string, Draw[]>();
  readonly counts: Record<Draw, number> = { ok: 0, http_429: 0, http_500: 0, http_503: 0, hang: 0, reset: 0, cut: 0 };

  record(tag: string | undefined, draw: Draw): void {
    this.counts[draw]++;
    if (tag === undefined) return;
    const draws = this.byTag.get(tag);
    if (draws) draws.push(draw);
    else this.byTag.set(tag, [draw]);
  }

  /** Attempts of request `tag` at this upstream so far. */
  attemptsOf(tag: string): number {
    return this.byTag.get(tag)?.length ?? 0;
  }

  /** The last attempt of request `tag` at this upstream (the one that served, when this upstream served). */
  lastAt(tag: string): Draw | undefined {
    return this.byTag.get(tag)?.at(-1);
  }

  get attempts(): number {
    return Object.values(this.counts).reduce((n, c) => n + c, 0);
  }

  clear(): void {
    this.byTag.clear();
    for (const draw of Object.keys(this.counts) as Draw[]) this.counts[draw] = 0;
  }
}

export interface FaultMixUpstream {
  /** Give this to the mock as its default behaviour. */
  behaviour: BehaviourFn;
  log: FaultLog;
  /** Switch to another mix (e.g. NO_FAULTS for a baseline); the log is kept. */
  use(mix: FaultMix): void;
}

/** A seeded fault-mix behaviour for the mock upstream `name`. */
export function faultMixUpstream(name: string, mix: FaultMix, options: { seed: number }): FaultMixUpstream {
  const log = new FaultLog();
  const untagged = seededRandom(hash(`${options.seed}|${name}|untagged`));
  let current = mix;
  const behaviour: BehaviourFn = (request) => {
    const tag = requestTag(request);
    const random = tag === undefined ? untagged : seededRandom(hash(`${options.seed}|${name}|${tag}|${log.attemptsOf(tag)}`));
    const draw = drawFault(current, random);
    log.record(tag, draw);
    return draw === 'ok' ? {} : faultBehaviour(draw, current);
  };
  return { behaviour, log, use: (next) => (current = next) };
}

function drawFault(mix: FaultMix, random: () => number): Draw {
  const fails = random() < mix.rate;
  const pick = random();
  return fails && mix.kinds.length > 0 ? mix.kinds[Math.min(mix.kinds.length - 1, Math.floor(pick * mix.kinds.length))]! : 'ok';
}

/** FNV-1a, 32 bits: a seed from a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
