/**
 * One structured JSON line per request on stdout (pino). Carries names and numbers only: no key value,
 * no prompt. pino writes asynchronously through its own buffered destination, off the request path.
 */
import { pino, type Logger } from 'pino';
import type { RequestRecord } from './request-record.js';

export class AccessLog {
  private readonly logger: Logger;

  constructor(destination: NodeJS.WritableStream | number = 1) {
    const stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false }) : destination;
    this.logger = pino({ base: undefined, messageKey: 'msg', timestamp: pino.stdTimeFunctions.isoTime }, stream);
  }

  write(record: RequestRecord): void {
    const last = record.attempts[record.attempts.length - 1];
    this.logger.info(
      {
        id: record.id,
        key: record.gatewayKey,
        protocol: record.protocol,
        model: record.requestedModel,
        served: record.servedModel,
        upstream: last?.provider,
        tier: last?.keyTier,
        status: record.status,
        error: record.errorClass,
        stream: record.stream,
        attempts: record.attempts.length,
        ms: record.latencyMs,
        ttfb_ms: record.ttfbMs,
        tokens: record.tokens,
        cost_usd: record.costUsd,
      },
      'request',
    );
  }

  flush(): void {
    this.logger.flush();
  }
}
