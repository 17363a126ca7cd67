/** Reading a routing bundle from disk; the runtime starts from this file alone. */
import { readFile } from 'node:fs/promises';
import { BUNDLE_FORMAT, type RoutingBundle } from '../bundle/format.js';

export async function readBundle(file: string): Promise<RoutingBundle> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read bundle ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (run \`anyrouter build\` first)`);
  }
  let bundle: RoutingBundle;
  try {
    bundle = JSON.parse(text) as RoutingBundle;
  } catch {
    throw new Error(`bundle ${file} is not valid JSON`);
  }
  if (bundle.format !== BUNDLE_FORMAT) throw new Error(`bundle ${file} has format '${String(bundle.format)}', this runtime reads '${BUNDLE_FORMAT}'; rebuild it`);
  return bundle;
}
