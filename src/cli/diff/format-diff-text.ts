/** `anyrouter diff --format text`: a summary line, then each subject with one line per change. */
import type { BundleChange } from './bundle-change.js';
import { describeChange, describeSubject, groupBySubject, summarizeChanges, type NameStyle } from './describe-change.js';
import type { DiffSides } from './diff-sides.js';

const plain: NameStyle = { code: (text) => text };

export function formatDiffText(changes: readonly BundleChange[], sides: DiffSides): string {
  const lines = [`routing diff ${sides.base} -> ${sides.head}`, summarizeChanges(changes)];
  for (const group of groupBySubject(changes)) {
    lines.push('', describeSubject(group.subject, plain));
    for (const change of group.changes) {
      const { label, detail } = describeChange(change, plain);
      lines.push(`  ${label}: ${detail}`);
    }
  }
  return lines.join('\n') + '\n';
}
