/** `anyrouter claude [--model M] [--url URL] [--config F | --bundle F] [-- ARGS...]`: Claude Code through the gateway. */
import { claudeCode } from '../agent-launch/coding-agents.js';
import { launchAgent, launchOptions } from '../agent-launch/launch-agent.js';

export const claudeCommand = {
  options: launchOptions,
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
    return launchAgent(claudeCode, values, positionals, typeof values.model === 'string' ? { model: values.model } : {});
  },
} as const;
