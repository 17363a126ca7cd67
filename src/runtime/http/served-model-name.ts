/**
 * The `model` field of an answer names the catalog model that served (as OpenRouter does), not the
 * upstream's own name for it. Applied to whole JSON bodies and to complete SSE events.
 */
const MODEL_FIELD = /"model"\s*:\s*"(?:[^"\\]|\\.)*"/g;

/** A rewriter for one served model, or undefined when the upstream already uses the catalog id. */
export function modelNameRewriter(upstreamModel: string, catalogId: string): ((data: Buffer) => Buffer) | undefined {
  if (upstreamModel === catalogId) return undefined;
  const replacement = `"model":${JSON.stringify(catalogId)}`;
  return (data) => {
    if (data.indexOf('"model"') < 0) return data;
    return Buffer.from(data.toString('utf8').replace(MODEL_FIELD, replacement), 'utf8');
  };
}
