/**
 * `anyrouter claude` and `anyrouter codex`: find the agent's CLI, start a gateway (or take `--url`), check
 * `--model` against its catalog, run the CLI pointed at it, and stop the gateway when the CLI exits.
 */
import { fitsCodingAgent, AGENT_FIT_RULE } from './agent-fit.js';
import { cliInvocation } from '../cli-invocation.js';
import { agentEnvironment } from './agent-environment.js';
import { GATEWAY_KEY_ENV, type AgentOptions, type CodingAgent } from './coding-agents.js';
import { findAgentCli, missingCliMessage } from './find-agent-cli.js';
import { launchGateway } from './launch-gateway.js';
import { checkModel } from './model-check.js';
import { runAgent } from './run-agent.js';
import { servabilityIn, type Servability } from '../plan-from-environment.js';

type Values = Record<string, string | boolean | undefined>;

/** The key sent to a gateway without gateway keys (it accepts any). */
const PLACEHOLDER_KEY = 'anyrouter-no-gateway-key';

export const launchOptions = {
  model: { type: 'string', short: 'm' },
  url: { type: 'string', short: 'u' },
  config: { type: 'string', short: 'c' },
  bundle: { type: 'string', short: 'b' },
} as const;

function say(line: string): void {
  process.stderr.write(`anyrouter: ${line}\n`);
}

export async function launchAgent(agent: CodingAgent, values: Values, args: readonly string[], options: AgentOptions): Promise<number> {
  const cli = await findAgentCli(agent, { env: process.env, cwd: process.cwd() });
  if ('missing' in cli) {
    process.stderr.write(missingCliMessage(agent, cli.missing));
    return 127;
  }
  const gateway = await launchGateway(values);
  if (!gateway) return 1;
  try {
    const presented = process.env[GATEWAY_KEY_ENV];
    if (!presented && gateway.bundle && gateway.bundle.auth.gatewayKeys.length > 0) {
      say(`this gateway checks gateway keys: set ${GATEWAY_KEY_ENV} to one of them`);
      return 2;
    }
    const key = presented || PLACEHOLDER_KEY;
    if (options.model !== undefined) {
      // the gateway started here is judged from its bundle and this environment (as `explain --env` does); one at --url is asked
      const check = await checkModel(gateway.url, key, options.model, { askServable: !gateway.bundle });
      if (!check.ok) {
        say(check.message);
        return check.exitCode;
      }
      const servable: Servability = gateway.bundle ? servabilityIn(gateway.bundle, process.env)(options.model) : { servable: true };
      if (!servable.servable) {
        say(`${servable.message}; \`${cliInvocation()} models --for ${agent.bin}\` marks the models usable now`);
        return 2;
      }
      if (check.listed?.capabilities && !fitsCodingAgent(check.listed.capabilities)) {
        say(`warning: '${options.model}' may not suit ${agent.title} (the rule: ${AGENT_FIT_RULE}); \`${cliInvocation()} models --for ${agent.bin}\` lists those that do`);
      }
    } else {
      say(`no --model: ${agent.title} asks for its own default model names, which this gateway may not serve; \`${cliInvocation()} models --for ${agent.bin}\` lists those it does`);
    }
    say(`${agent.title} -> ${gateway.url}${options.model !== undefined ? ` (model ${options.model})` : ''}`);
    const inherited = agentEnvironment(process.env, gateway.bundle);
    if (inherited.withheld.length > 0) say(`not handed to ${agent.title}: ${inherited.withheld.join(', ')} (the gateway's credentials stay with the gateway)`);
    const command = agent.command({ url: gateway.url, key }, options, args, inherited.env);
    gateway.quiet();
    return await runAgent(cli.found, command.args, command.env);
  } finally {
    await gateway.stop();
  }
}
