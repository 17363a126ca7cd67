/** The compiler pipeline: load -> validate -> link -> lower -> emit. */
import path from 'node:path';
import type { RoutingBundle } from '../bundle/format.js';
import { hasErrors, sortDiagnostics, type Diagnostic, type Finding } from './diagnostics.js';
import { emit } from './emit.js';
import { link } from './link.js';
import { listYamlFiles, loadTsConfig, loadYaml } from './load.js';
import { lower } from './lower.js';
import { redactSecrets, scanForSecrets } from './secret-scan.js';
import { locateInTs, locateInYaml, type Source } from './sources.js';
import { modelFileParts, validateParts, validateTop, type RawPart } from './validate.js';

export interface CompileResult {
  diagnostics: Diagnostic[];
  /** Present when there were no errors. */
  bundle?: RoutingBundle;
  /** The bundle as written to disk. */
  text?: string;
}

export async function compile(configPath: string): Promise<CompileResult> {
  const absolute = path.resolve(configPath);
  const configDir = path.dirname(absolute);
  const findings: Finding[] = [];
  const sources: Source[] = [];

  const loaded = await loadTsConfig(absolute);
  findings.push(...loaded.findings);
  if (loaded.source) sources.push(loaded.source);
  if (!loaded.source || loaded.config === undefined) return { diagnostics: await resolveFindings(findings, sources) };

  const top: RawPart = { value: loaded.config, source: 0, path: [] };
  scanForSecrets(top.value, 0, [], findings);
  const config = validateTop(top, findings);
  if (!config) return { diagnostics: await resolveFindings(findings, sources) };

  const models: RawPart[] = [];
  const presets: RawPart[] = [];
  const modelFilesRead = await collectParts(config.models, 'models', configDir, sources, findings, models, (value, source) => modelFileParts(value, source, findings));
  await collectParts(config.presets, 'presets', configDir, sources, findings, presets, (value, source) => [{ value, source, path: [] }]);

  const validated = validateParts(config, { top, models, presets, modelFilesRead }, findings);
  const linked = link(validated, findings, (i) => sources[i]?.file ?? '?');
  const diagnostics = await resolveFindings(findings, sources);
  if (hasErrors(diagnostics)) return { diagnostics };
  const { bundle, text } = emit(lower(linked));
  return { diagnostics, bundle, text };
}

async function collectParts(
  setting: string | unknown[],
  field: 'models' | 'presets',
  configDir: string,
  sources: Source[],
  findings: Finding[],
  into: RawPart[],
  partsOf: (value: unknown, source: number) => RawPart[] | undefined,
): Promise<boolean> {
  if (Array.isArray(setting)) {
    setting.forEach((value, i) => into.push({ value, source: 0, path: [field, i] }));
    return true;
  }
  /** Whether every file could be read into parts. */
  let read = true;
  for (const file of await listYamlFiles(path.resolve(configDir, setting))) {
    const { source, value, findings: yamlFindings } = await loadYaml(file);
    findings.push(...yamlFindings);
    if (yamlFindings.some((f) => f.severity === 'error')) read = false;
    if (value === undefined || value === null) continue;
    const index = sources.push(source) - 1;
    scanForSecrets(value, index, [], findings);
    const parts = partsOf(value, index);
    if (parts) into.push(...parts);
    else read = false;
  }
  return read;
}

async function resolveFindings(findings: Finding[], sources: Source[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const f of findings) {
    // a message may quote a value from the config (a name, a token esbuild choked on): never a key
    const message = redactSecrets(f.message);
    if ('file' in f.at) {
      out.push({ severity: f.severity, code: f.code, message, ...f.at });
      continue;
    }
    const source = sources[f.at.source]!;
    const pos = source.kind === 'yaml' ? locateInYaml(source, f.at.path, f.at.key) : await locateInTs(source, f.at.path, f.at.key);
    out.push({ severity: f.severity, code: f.code, message, file: source.file, line: pos.line, column: pos.column });
  }
  return sortDiagnostics(out);
}
