/** Scrubbing a provider key out of an upstream's body: some echo the key they were sent ("Incorrect API key provided: sk-..."). */
export function withoutSecret(body: Buffer, secret: string | undefined): Buffer {
  if (!secret || !body.includes(secret)) return body;
  return Buffer.from(body.toString('utf8').replaceAll(secret, '[redacted]'), 'utf8');
}
