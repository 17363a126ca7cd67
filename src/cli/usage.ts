/** A usage error: the CLI prints it with the usage text and exits 2. */
export class UsageError extends Error {}

export const USAGE = `Usage: anyrouter <command> [options]

Commands:
  check   [--config F] [--format text|json]        validate the config; exit 0 clean, 1 errors, 2 usage
  build   [--config F] [--out F] [--format text|json]  compile the config into a routing bundle (default dist/routing.json)
  serve   [--bundle F | --config F] [--host H] [--port N] [--watch]  run the gateway; --watch and SIGHUP rebuild and swap the bundle
  explain <model | @preset/name> [--request body.json] [--health state.json] [--env] [--format text|json]
                                                   the ranked plan with the reason for every decision
  simulate [--requests N] [--model M] [--faults p=429:0.3,...] [--seed S] [--min-success X] [--format text|json]
                                                   a synthetic workload through the real planner and attempt loop
  keys new NAME [--models GLOB,...] [--rpm N]      print a fresh gateway key and the config line with its hash

The config defaults to ./anyrouter.config.ts.`;
