/** One server-sent event as text: an optional `event:` line, one `data:` line of JSON, a blank line. */
export function formatSseEvent(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`;
}
