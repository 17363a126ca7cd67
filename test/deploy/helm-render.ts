/**
 * A renderer for the subset of Helm's template language the chart in deploy/helm uses, so its manifests can be
 * rendered and checked where no `helm` binary is installed: `{{ .Values.a.b }}`, `.Release.Name`, `.Chart.Name`,
 * `{{- if X }}` / `{{- else }}` / `{{- end }}` on lines of their own (with `not X`), and the pipes `quote`,
 * `sha256sum` and `toYaml X | nindent N`. Anything else throws, so the chart cannot drift outside what is checked.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

export interface RenderContext {
  Values: Record<string, unknown>;
  Release: { Name: string };
  Chart: Record<string, unknown>;
}

function lookup(path: string, ctx: RenderContext): unknown {
  if (!path.startsWith('.')) throw new Error(`unsupported template value '${path}'`);
  let value: unknown = ctx;
  for (const part of path.slice(1).split('.')) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[part];
  return value;
}

function evaluate(expression: string, ctx: RenderContext): unknown {
  const stages = expression.split('|').map((s) => s.trim());
  let value: unknown;
  const [head, ...pipes] = stages;
  const words = head!.split(/\s+/);
  if (words[0] === 'not') value = !truthy(lookup(words[1]!, ctx));
  else if (words[0] === 'toYaml') value = stringify(lookup(words[1]!, ctx)).trimEnd();
  else if (words.length === 1) value = lookup(words[0]!, ctx);
  else throw new Error(`unsupported template expression '${head}'`);
  for (const pipe of pipes) {
    const [name, arg] = pipe.split(/\s+/);
    if (name === 'quote') value = JSON.stringify(String(value ?? ''));
    else if (name === 'sha256sum') value = createHash('sha256').update(String(value)).digest('hex');
    else if (name === 'nindent') value = '\n' + String(value).split('\n').map((line) => ' '.repeat(Number(arg)) + line).join('\n');
    else throw new Error(`unsupported template function '${name}'`);
  }
  return value;
}

function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export function renderTemplate(text: string, ctx: RenderContext): string {
  const out: string[] = [];
  /** Per open `if`: whether its branch is taken now. */
  const stack: Array<{ taken: boolean; matched: boolean }> = [];
  const active = () => stack.every((s) => s.taken);
  for (const line of text.split('\n')) {
    const control = /^\s*\{\{-?\s*(if|else|end)\b(.*?)\s*-?\}\}\s*$/.exec(line);
    if (control) {
      const [, word, rest] = control;
      if (word === 'if') {
        const taken = truthy(evaluate(rest!.trim(), ctx));
        stack.push({ taken, matched: taken });
      } else if (word === 'else') {
        const top = stack[stack.length - 1]!;
        top.taken = !top.matched;
      } else stack.pop();
      continue;
    }
    if (!active()) continue;
    out.push(line.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, expression: string) => String(evaluate(expression, ctx))));
  }
  if (stack.length > 0) throw new Error('an if without its end');
  return out.join('\n');
}
