/** Images travel as `data:` URLs in OpenAI's protocols and as (media type, base64) pairs elsewhere. */
import type { ImageSource } from './canonical.js';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

export function imageSourceFromUrl(url: string): ImageSource {
  const match = DATA_URL.exec(url);
  if (match) return { kind: 'base64', mediaType: match[1]!, data: match[2]! };
  return { kind: 'url', url };
}

export function imageSourceToUrl(source: ImageSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}
