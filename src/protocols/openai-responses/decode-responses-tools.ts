/**
 * Responses `tools` and `tool_choice` -> canonical tools. Function tools stay as they are; the functions
 * of a `namespace` tool become functions named `namespace__name`; a `custom` tool (free-text input, maybe
 * a grammar) becomes a function of one string argument, `input`; both keep the client's name for the way
 * back (tool-names.ts). Hosted tools (`web_search`, `file_search` ...) run inside OpenAI's API, so other
 * upstreams cannot have them: they are dropped and listed, and only a `tool_choice` that names one is refused.
 */
import type { CanonicalRequest, CanonicalTool, ClientToolName, JsonObject, ToolChoice } from '../canonical.js';
import { addDropped } from '../extra-params.js';
import { arrayAt, booleanAt, objectAt, stringAt } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { flatToolName, freeformParameters } from '../tool-names.js';

/** What the request's tools were, for reading its `tool_choice`. */
export interface DecodedTools {
  /** Types of the hosted tools that were dropped. */
  hosted: ReadonlySet<string>;
}

/** Fields of a function or custom tool that only the Responses API acts on. */
const TOOL_HINTS = ['defer_loading', 'allowed_callers', 'output_schema'];

export function decodeResponsesTools(value: unknown, request: CanonicalRequest): DecodedTools {
  const hosted = new Set<string>();
  const seen = new Set<string>();
  const add = (tool: CanonicalTool, path: string) => {
    if (seen.has(tool.name)) throw new ProtocolDecodeError(`two tools are both named '${tool.name}' (a namespace's functions are named 'namespace__function' for other providers): rename one`, path);
    seen.add(tool.name);
    request.tools.push(tool);
  };
  arrayAt(value).forEach((entry, i) => {
    const path = `tools[${i}]`;
    const tool = objectAt(entry);
    if (!tool) throw new ProtocolDecodeError('a tool must be an object', path);
    if (tool.type === 'namespace') {
      const namespace = stringAt(tool.name);
      if (!namespace) throw new ProtocolDecodeError("a namespace tool needs a 'name'", `${path}.name`);
      arrayAt(tool.tools).forEach((inner, j) => add(decodeTool(objectAt(inner), `${path}.tools[${j}]`, request, namespace), `${path}.tools[${j}]`));
    } else if (tool.type === 'function' || tool.type === 'custom') {
      add(decodeTool(tool, path, request, undefined), path);
    } else {
      const type = String(tool.type);
      hosted.add(type);
      addDropped(request.unsent, `tools.${type}`);
    }
  });
  return { hosted };
}

function decodeTool(tool: JsonObject | undefined, path: string, request: CanonicalRequest, namespace: string | undefined): CanonicalTool {
  const name = stringAt(tool?.name);
  if (!tool || !name || (tool.type !== 'function' && tool.type !== 'custom')) {
    throw new ProtocolDecodeError(`tool type '${String(tool?.type)}' cannot be translated${namespace !== undefined ? ' inside a namespace' : ''}: only function and custom tools can`, path);
  }
  for (const hint of TOOL_HINTS) if (tool[hint] !== undefined && tool[hint] !== null) addDropped(request.unsent, `tools.${hint}`);
  const freeform = tool.type === 'custom';
  const client: ClientToolName | undefined = namespace !== undefined || freeform ? { name, ...(namespace !== undefined ? { namespace } : {}), ...(freeform ? { freeform } : {}) } : undefined;
  const result: CanonicalTool = {
    name: flatToolName(namespace, name),
    parameters: freeform ? freeformParameters(describeInputFormat(objectAt(tool.format))) : objectAt(tool.parameters) ?? { type: 'object', properties: {} },
  };
  if (client !== undefined) result.client = client;
  const description = stringAt(tool.description);
  if (description !== undefined) result.description = description;
  const strict = booleanAt(tool.strict);
  if (strict !== undefined && !freeform) result.strict = strict;
  return result;
}

/** What the one string argument of a custom tool must hold, in words the model reads. */
function describeInputFormat(format: JsonObject | undefined): string {
  const definition = stringAt(format?.definition);
  if (format?.type === 'grammar' && definition !== undefined) return `The tool's input: text that must match this ${stringAt(format.syntax) ?? ''} grammar:\n${definition}`;
  return "The tool's input, as free-form text.";
}

export function decodeResponsesToolChoice(value: unknown, tools: DecodedTools): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  const choice = objectAt(value);
  const type = stringAt(choice?.type);
  const name = stringAt(choice?.name);
  if ((type === 'function' || type === 'custom') && name) return { name: flatToolName(stringAt(choice?.namespace), name) };
  if (type === 'allowed_tools') throw new ProtocolDecodeError("tool_choice 'allowed_tools' cannot be translated: send only the allowed tools in 'tools', with tool_choice 'auto' or 'required'", 'tool_choice');
  if (type !== undefined && (tools.hosted.has(type) || !['function', 'custom'].includes(type))) {
    throw new ProtocolDecodeError(`tool_choice names the hosted tool '${type}', which other providers do not have (it is dropped for them): use 'auto', 'required' or a function tool`, 'tool_choice');
  }
  throw new ProtocolDecodeError('tool_choice must be auto, none, required or a named function or custom tool', 'tool_choice');
}
