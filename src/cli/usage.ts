/** A usage error: the CLI prints it with the usage text and exits 2. */
export class UsageError extends Error {}

export const USAGE = `Usage: anyrouter <command> [options]

Commands:
  check   [--config F] [--format text|json]        validate the config; exit 0 clean, 1 errors, 2 usage
  build   [--config F] [--out F] [--types F.d.ts] [--format text|json]
                                                   compile the config into a routing bundle (default dist/routing.json);
                                                   --types also writes model ids, aliases, presets and pools as TS types
  serve   [--bundle F | --config F] [--host H] [--port N] [--watch] [--workers N|auto]
                                                   run the gateway; --watch and SIGHUP rebuild and swap the bundle
  explain <model | @preset/name> [--request body.json] [--health state.json] [--env] [--format text|json]
                                                   the ranked plan with the reason for every decision
  simulate [--requests N] [--model M] [--faults p=429:0.3,...] [--seed S] [--min-success X] [--format text|json]
                                                   a synthetic workload through the real planner and attempt loop
  diff <base> <head> [--format text|markdown|json] [--fail-on KIND,...] [--config F]
                                                   what changes in routing between two configs; each side a config
                                                   file, a git revision (REV: the --config path there) or REV:path;
                                                   exit 1 on a change of a --fail-on kind (removed-model, removed-alias, ...)
  schema  [--out DIR]                              write JSON Schema for the model and preset YAML (default schema/)
  init    [DIR]                                    scaffold a config, an example model and preset, and the schemas
  logs [--follow] [--failed] [--model M] [--limit N] [--format text|json] [--db FILE|postgres://URL | --config F]   recent requests from the request log, with each one's attempts
  logs --id REQ_ID [--format text|json] [--db FILE|postgres://URL | --config F]   one request's whole trace: every attempt, its key, status, timings and routing
  usage [--by model|key|app|user|upstream] [--bucket hour|day] [--since 24h] [--db FILE|postgres://URL | --config F]   requests, tokens, cost, errors, latency
  demo [--port N] [--host H] [--fault-rate R]   the gateway over simulated providers (fast, flaky, slow): no provider
                                                   keys needed; prints how to call it and where to watch failovers
  keys new NAME [--models GLOB,...] [--rpm N] [--tpm N]   print a fresh gateway key and the config line with its hash
  keys create NAME [--models GLOB,...] [--rpm N] [--tpm N] [--budget-usd X --budget-period day|week|month|total] [--expires ISO]
  keys list | keys revoke NAME                     manage run-time keys on a running gateway (--url U, --admin-key K
                                                   or ANYROUTER_URL, ANYROUTER_ADMIN_KEY)
  models  [--for claude|codex] [--format text|json] [--config F | --bundle F]
                                                   the catalog's models (aliases, context, price, capabilities); --for: those
                                                   that suit the agent (tools and streaming), pools and presets too
  claude  [--model M] [--url URL] [--config F | --bundle F] [-- ARGS...]
  codex   [--model M] [--effort low|medium|high] [--url URL] [--config F | --bundle F] [-- ARGS...]
                                                   run Claude Code / Codex through a gateway started for the session on a free
                                                   127.0.0.1 port (or the one at --url); ARGS go to the CLI

The config defaults to ./anyrouter.config.ts.`;
