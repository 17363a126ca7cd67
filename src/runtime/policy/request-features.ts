/** What a request needs from an upstream, read once from its body: tools, parameters, output and prompt size. */

/** Request parameters an upstream can declare support for (`parameters` in model YAML). */
export const ROUTABLE_PARAMETERS = [
  'tools',
  'tool_choice',
  'response_format',
  'structured_outputs',
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'repetition_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'reasoning',
  'reasoning_effort',
  'parallel_tool_calls',
] as const;

export interface RequestFeatures {
  tools: boolean;
  /** The request asks for embeddings (`/v1/embeddings`), not a chat answer. */
  embeddings: boolean;
  /** Routable parameters the request sets. */
  readonly parameters: string[];
  maxTokens?: number;
  /** Whether the prompt is clearly over `context` tokens (text characters / 4); the text is walked only when the body size cannot rule it out. */
  promptExceeds(context: number): boolean;
  /** The estimate itself (characters of text / 4), for messages; for embeddings, of the longest input (each is embedded on its own). */
  promptTokens(): number;
}

/** Read on demand: most requests never need the parameter list or the prompt estimate. */
class BodyFeatures implements RequestFeatures {
  readonly tools: boolean;
  readonly embeddings: boolean;
  readonly maxTokens?: number;
  private estimate: number | undefined;
  private params: string[] | undefined;

  constructor(
    private readonly body: Record<string, unknown>,
    private readonly rawLength: number,
    embeddings: boolean,
  ) {
    this.embeddings = embeddings;
    this.tools = Array.isArray(body.tools) && body.tools.length > 0;
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : undefined;
    if (maxTokens !== undefined) this.maxTokens = maxTokens;
  }

  get parameters(): string[] {
    return (this.params ??= ROUTABLE_PARAMETERS.filter((p) => this.body[p] !== undefined && this.body[p] !== null));
  }

  promptTokens(): number {
    this.estimate ??= this.embeddings ? longestInputTokens(this.body.input) : Math.ceil(textLength(this.body.messages ?? this.body.input ?? this.body.contents) / 4);
    return this.estimate;
  }

  promptExceeds(context: number): boolean {
    // the body's size bounds its text: below the context there is nothing to count
    if (this.rawLength / 4 <= context) return false;
    return this.promptTokens() > context;
  }
}

export function readFeatures(body: Record<string, unknown>, rawLength: number, embeddings = false): RequestFeatures {
  return new BodyFeatures(body, rawLength, embeddings);
}

/** The longest of an embeddings request's inputs, in tokens: text characters / 4, or the count of token ids. */
function longestInputTokens(input: unknown): number {
  if (typeof input === 'string') return Math.ceil(input.length / 4);
  if (!Array.isArray(input)) return 0;
  if (input.length > 0 && typeof input[0] === 'number') return input.length;
  let longest = 0;
  for (const item of input) longest = Math.max(longest, Array.isArray(item) ? item.length : typeof item === 'string' ? Math.ceil(item.length / 4) : 0);
  return longest;
}

/** Characters of text in a request part (content, text, input, parts and system members, nested). */
export function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) {
    let n = 0;
    for (const item of value) n += textLength(item);
    return n;
  }
  if (value !== null && typeof value === 'object') {
    let n = 0;
    for (const [key, item] of Object.entries(value)) if (key === 'content' || key === 'text' || key === 'input' || key === 'parts' || key === 'system') n += textLength(item);
    return n;
  }
  return 0;
}
