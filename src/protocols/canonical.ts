/**
 * The gateway's one internal model of a chat request, a response and a stream of response events.
 * Every wire protocol (client side or upstream side) decodes into and encodes from these types, so a
 * translation between two protocols is always decode + encode, never a hand-written pair.
 */

/** A JSON object as read off the wire. */
export type JsonObject = { [key: string]: unknown };

/** The wire protocols the translation layer speaks. */
export type WireProtocol = 'openai-chat' | 'anthropic-messages' | 'openai-responses' | 'gemini';

export interface TextPart {
  type: 'text';
  text: string;
}

export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
  /** OpenAI's `detail` hint (`auto` | `low` | `high`), kept when the client gave one. */
  detail?: string;
}

/**
 * What a Responses client calls a tool the canonical model holds under a flat function name: a function
 * inside a `namespace` tool, or a `custom` tool whose input is free text (canonically the arguments
 * `{"input": text}`). Answers are given back to the client under this name (tool-names.ts).
 */
export interface ClientToolName {
  name: string;
  namespace?: string;
  freeform?: boolean;
}

export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  /** The name every upstream sees (flat: `namespace__name` for a namespaced tool). */
  name: string;
  /** Set on an answer's call to a tool the client named otherwise (see `ClientToolName`). */
  client?: ClientToolName;
  /** The arguments exactly as the model produced them: a JSON text, normally an object. */
  arguments: string;
  /** Gemini's `thoughtSignature` on a function call part, to be sent back unchanged. */
  signature?: string;
}

export interface ToolResultPart {
  type: 'tool_result';
  toolCallId: string;
  content: Array<TextPart | ImagePart>;
  isError?: boolean;
}

export interface ThinkingPart {
  type: 'thinking';
  text: string;
  /** Opaque signature that lets the producing provider verify its own reasoning when it comes back. */
  signature?: string;
  /** Anthropic `redacted_thinking` payload: no text, only opaque data. */
  redactedData?: string;
  /** The protocol that produced the signature; a signature is only ever sent back to its producer. */
  origin?: WireProtocol;
}

export type UserContentPart = TextPart | ImagePart;
export type AssistantContentPart = TextPart | ThinkingPart | ToolCallPart;
export type ContentPart = TextPart | ImagePart | ToolCallPart | ToolResultPart | ThinkingPart;

export type CanonicalMessage =
  | { role: 'user'; content: UserContentPart[] }
  | { role: 'assistant'; content: AssistantContentPart[] }
  | { role: 'tool'; content: ToolResultPart[] };

export interface CanonicalTool {
  /** The function name upstreams see. */
  name: string;
  /** What the client calls it, when that is not a plain function of this name. */
  client?: ClientToolName;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: JsonObject;
  strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonObject; description?: string; strict?: boolean };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface ReasoningConfig {
  effort?: ReasoningEffort;
  /** An explicit thinking budget (Anthropic `budget_tokens`, Gemini `thinkingBudget`). */
  budgetTokens?: number;
  /** `false` when the client turned thinking off explicitly. */
  enabled?: boolean;
}

export interface CanonicalRequest {
  model: string;
  system: TextPart[];
  messages: CanonicalMessage[];
  tools: CanonicalTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stopSequences: string[];
  responseFormat?: ResponseFormat;
  reasoning?: ReasoningConfig;
  /** End-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
  metadata?: Record<string, string>;
  stream: boolean;
  /** The client asked for usage in its stream (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
  /** Parameters the decoder did not know, passed on only to an upstream that speaks `extraFrom`. */
  extra: JsonObject;
  extraFrom: WireProtocol;
  /**
   * Parameters the client sent that the canonical model has no place for and that only its own protocol
   * could carry (cache hints, hosted tools, `include` ...), by the client's name: every encoder lists them
   * as dropped, so `x-anyrouter-dropped-params` names them.
   */
  unsent: string[];
}

export type StopReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/**
 * Token counts. `inputTokens` is the whole prompt, cached parts included (OpenAI's convention);
 * `outputTokens` includes reasoning tokens.
 */
export interface CanonicalUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export interface CanonicalResponse {
  id: string;
  model: string;
  /** Unix seconds. */
  created?: number;
  content: AssistantContentPart[];
  stopReason: StopReason;
  /** The stop sequence that ended the output, when the upstream says which. */
  stopSequence?: string;
  usage: CanonicalUsage;
}

/**
 * One step of a streamed response. Blocks are implicit: a text or thinking delta continues the open
 * block of its kind or opens a new one; `tool_call_start` opens a tool call block; `block_stop` closes
 * the open block. `usage` events are snapshots (the latest wins, field by field). A well-formed stream
 * is `start`, content, `finish`, `usage`, `end` (usage may come before finish); a failed one ends with
 * `error` then `end`.
 */
export type CanonicalStreamEvent =
  /** `origin`: the protocol the upstream spoke, so encoders know whose signatures they are relaying. */
  | { type: 'start'; id: string; model: string; created?: number; origin?: WireProtocol }
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; text: string }
  | { type: 'thinking_signature'; signature: string; origin?: WireProtocol }
  | { type: 'tool_call_start'; index: number; id: string; name: string; signature?: string; client?: ClientToolName }
  | { type: 'tool_call_delta'; index: number; fragment: string }
  | { type: 'block_stop' }
  | { type: 'finish'; stopReason: StopReason; stopSequence?: string }
  | { type: 'usage'; usage: Partial<CanonicalUsage> }
  | { type: 'error'; message: string; kind?: ErrorKind }
  | { type: 'end' };

/** What went wrong, in words every protocol's error envelope can express. */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'overloaded'
  | 'timeout'
  | 'api';

export interface CanonicalError {
  status: number;
  kind: ErrorKind;
  message: string;
  /** A protocol-specific code, when the source had one (OpenAI `code`). */
  code?: string;
  /** The gateway's request id, added to envelopes that have a place for it. */
  requestId?: string;
}

/** An empty request, for decoders to fill in. */
export function emptyRequest(model: string, extraFrom: WireProtocol): CanonicalRequest {
  return { model, system: [], messages: [], tools: [], stopSequences: [], stream: false, includeUsage: false, extra: {}, extraFrom, unsent: [] };
}
