/** What `serve` and `demo` say when the port they were given is held by something else. */

/** The message for a listen error that is EADDRINUSE; undefined for any other error. */
export function portInUseMessage(error: unknown): string | undefined {
  const e = error as (NodeJS.ErrnoException & { port?: number; address?: string }) | undefined;
  if (e?.code !== 'EADDRINUSE') return undefined;
  const where = e.port !== undefined ? `port ${e.port}${e.address ? ` on ${e.address}` : ''}` : 'the port';
  return `${where} is in use: pick another with --port N (0: any free port), or stop what holds it`;
}
