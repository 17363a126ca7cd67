/**
 * `anyrouter diff --format markdown`: a pull-request comment. A heading, a summary line with counts,
 * then one table per model, pool, preset and provider that changes.
 */
import type { BundleChange } from './bundle-change.js';
import { describeChange, describeSubject, groupBySubject, summarizeChanges, type NameStyle } from './describe-change.js';
import type { DiffSides } from './diff-sides.js';

/** Inline code that survives any content: a fence longer than any backtick run inside. */
function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table cell: no line breaks, pipes escaped (GitHub honours `\|` inside code spans in tables too). */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

const markdown: NameStyle = { code: inlineCode };

export function formatDiffMarkdown(changes: readonly BundleChange[], sides: DiffSides): string {
  const lines = ['### AnyRouter routing diff', '', `${inlineCode(sides.base)} → ${inlineCode(sides.head)}: **${summarizeChanges(changes)}**`];
  for (const group of groupBySubject(changes)) {
    lines.push('', `#### ${describeSubject(group.subject, markdown)}`, '', '| change | detail |', '|---|---|');
    for (const change of group.changes) {
      const { label, detail } = describeChange(change, markdown);
      lines.push(`| ${cell(label)} | ${cell(detail)} |`);
    }
  }
  return lines.join('\n') + '\n';
}
