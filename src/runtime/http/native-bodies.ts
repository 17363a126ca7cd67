/**
 * What an upstream that speaks the client's protocol is sent: the client's own bytes, with only `model`
 * replaced by the upstream's name for it (a preset or a gateway field in the request makes a new body).
 * One body per upstream model name, made on first use and reused across keys and retries.
 */
import { withModelMember } from './served-model-name.js';

export class NativeBodies {
  private byModel: Map<string, Buffer | string> | undefined;

  constructor(
    private readonly raw: Buffer,
    private readonly body: Record<string, unknown>,
    /** The body with the preset merged in and the gateway's fields removed; undefined when that changes nothing. */
    private readonly base: Record<string, unknown> | undefined,
  ) {}

  of(model: string): Buffer | string {
    const { base, body } = this;
    if (base === undefined && body.model === model) return this.raw;
    this.byModel ??= new Map();
    let out = this.byModel.get(model);
    if (out === undefined) {
      // the client's bytes with only `model` changed, unless a preset or a gateway field changes more
      out = (base === undefined && typeof body.model === 'string' ? withModelMember(this.raw, model) : undefined) ?? JSON.stringify({ ...(base ?? body), model });
      this.byModel.set(model, out);
    }
    return out;
  }
}
