/** `anyrouter diff --format json`: the typed change list, for scripts and CI. */
import type { BundleChange } from './bundle-change.js';

export function formatDiffJson(changes: readonly BundleChange[]): string {
  return JSON.stringify(changes, null, 2) + '\n';
}
