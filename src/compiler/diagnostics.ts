/** Diagnostics: what every pass reports, and how they are printed. */

export type Severity = 'error' | 'warning';
export type PathSegment = string | number;

/** Where in which source a finding is, before it is turned into a line and column. */
export interface SourcePath {
  /** Index into the compilation's sources. */
  source: number;
  path: PathSegment[];
  /** Point at the key of the last segment rather than its value (for unknown keys). */
  key?: boolean;
}

export interface Finding {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  at: SourcePath | { file: string; line: number; column: number };
}

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  file: string;
  line: number;
  column: number;
}

export const DiagnosticCodes = {
  AR001: 'config file could not be read',
  AR002: 'config failed to compile or evaluate',
  AR003: 'YAML syntax error',
  AR100: 'invalid value',
  AR101: 'wrong type',
  AR102: 'unknown field',
  AR103: 'value not one of the allowed values',
  AR104: 'missing required field',
  AR105: 'value out of range',
  AR106: 'value has the wrong format',
  AR200: 'unknown provider',
  AR201: 'duplicate model id',
  AR202: 'alias collides with a model id or another alias',
  AR203: 'preset names an unknown model',
  AR204: 'fallback names an unknown model',
  AR205: 'fallback cycle',
  AR206: 'model has no upstream',
  AR207: 'key pool has no key',
  AR208: 'provider is not used by any model',
  AR209: 'string looks like a provider secret',
  AR210: 'duplicate upstream',
  AR211: 'duplicate preset name',
  AR212: 'provider preference names an unknown provider',
  AR213: 'duplicate key name in a provider',
  AR214: 'pool id collides with a model id or alias',
  AR215: 'pool names an unknown model',
  AR216: 'pool has no member',
} as const;

export type DiagnosticCode = keyof typeof DiagnosticCodes;

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: file, line, column, code. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
