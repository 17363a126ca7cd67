/** `anyrouter codex [--model M] [--effort low|medium|high] [--url URL] [--config F | --bundle F] [-- ARGS...]`: Codex through the gateway. */
import { codex } from '../agent-launch/coding-agents.js';
import { launchAgent, launchOptions } from '../agent-launch/launch-agent.js';
import { UsageError } from '../usage.js';

const EFFORTS = ['low', 'medium', 'high'];

export const codexCommand = {
  options: { ...launchOptions, effort: { type: 'string', short: 'e' } },
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
    const effort = values.effort;
    if (effort !== undefined && (typeof effort !== 'string' || !EFFORTS.includes(effort))) throw new UsageError(`--effort takes ${EFFORTS.join(', ')}, not '${String(effort)}'`);
    return launchAgent(codex, values, positionals, {
      ...(typeof values.model === 'string' ? { model: values.model } : {}),
      ...(effort !== undefined ? { effort } : {}),
    });
  },
} as const;
