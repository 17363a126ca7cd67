/**
 * Which catalog models suit a coding agent. Claude Code and Codex both stream every turn and call tools
 * (file reads, shell commands, edits), so the rule is one for both: the model lists the `tools` and the
 * `streaming` capabilities. A model without them may still answer, but an agent session would fail on it.
 */
export const AGENT_FIT_RULE = "capabilities include 'tools' and 'streaming'";

const NEEDED = ['tools', 'streaming'] as const;

export function fitsCodingAgent(capabilities: readonly string[]): boolean {
  return NEEDED.every((c) => capabilities.includes(c));
}
