/**
 * Where an agent's executable is: the path its `binEnv` variable names, else the first `bin` on PATH, in
 * the working directory's node_modules/.bin, or in the node_modules/.bin of the anyrouter package itself.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodingAgent } from './coding-agents.js';

/** The anyrouter package's root (this file sits in src/cli/agent-launch or lib/cli/agent-launch). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface SearchPlaces {
  env: NodeJS.ProcessEnv;
  cwd: string;
  packageRoot?: string;
}

/** The folders searched, in order, without repeats. */
export function searchDirs(places: SearchPlaces): string[] {
  const fromPath = (places.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const local = [places.cwd, places.packageRoot ?? PACKAGE_ROOT].map((root) => path.join(root, 'node_modules', '.bin'));
  return [...new Set([...fromPath, ...local].map((d) => path.resolve(places.cwd, d)))];
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export type AgentCliLookup = { found: string } | { missing: string };

export async function findAgentCli(agent: CodingAgent, places: SearchPlaces): Promise<AgentCliLookup> {
  const named = places.env[agent.binEnv];
  if (named) return (await isExecutable(path.resolve(places.cwd, named))) ? { found: path.resolve(places.cwd, named) } : { missing: `${agent.binEnv}=${named} is not an executable file` };
  for (const dir of searchDirs(places)) {
    const candidate = path.join(dir, agent.bin);
    if (await isExecutable(candidate)) return { found: candidate };
  }
  return { missing: `'${agent.bin}' is not on PATH nor in node_modules/.bin` };
}

/** The message for a missing CLI: what was not found and the line that installs it. */
export function missingCliMessage(agent: CodingAgent, why: string): string {
  return `anyrouter: ${agent.title} is not installed (${why}). Install it with:\n\n  ${agent.install}\n\nthen run this command again.\n`;
}
