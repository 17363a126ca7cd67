/**
 * A Redis that is connected but stalls: a TCP server on 127.0.0.1 that completes the handshake ioredis makes
 * (INFO for the ready check, CLIENT, SELECT, PING, SUBSCRIBE; HELLO is refused, as a RESP2 server does) and
 * never answers anything else (GET, SET, EVALSHA, SCAN, PUBLISH...): an overloaded or paused server, or a
 * half-open connection, as a gateway sees it. It records every command it was sent.
 */
import { createServer, type Server, type Socket } from 'node:net';

const ANSWERED = new Set(['INFO', 'CLIENT', 'SELECT', 'PING', 'SUBSCRIBE', 'HELLO']);

export class StallingRedis {
  /** Every command received, upper-cased name first. */
  readonly commands: string[][] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<StallingRedis> {
    let self: StallingRedis | undefined;
    const server = createServer((socket) => self!.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new StallingRedis(server, (server.address() as { port: number }).port);
    return self;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The commands named `name` received so far. */
  sent(name: string): string[][] {
    return this.commands.filter((c) => c[0] === name.toUpperCase());
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      for (;;) {
        const parsed = parseCommand(buffered);
        if (parsed === undefined) return;
        buffered = buffered.subarray(parsed.length);
        const command = [parsed.args[0]!.toUpperCase(), ...parsed.args.slice(1)];
        this.commands.push(command);
        if (ANSWERED.has(command[0]!)) socket.write(replyTo(command));
      }
    });
  }
}

function replyTo(command: string[]): string {
  switch (command[0]) {
    case 'INFO': {
      const info = '# Server\r\nredis_version:7.2.0\r\n# Persistence\r\nloading:0\r\n';
      return `$${Buffer.byteLength(info)}\r\n${info}\r\n`;
    }
    case 'PING':
      return '+PONG\r\n';
    case 'HELLO':
      return '-ERR unknown command \'HELLO\'\r\n';
    case 'SUBSCRIBE':
      return command
        .slice(1)
        .map((channel, i) => `*3\r\n$9\r\nsubscribe\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n:${i + 1}\r\n`)
        .join('');
    default:
      return '+OK\r\n';
  }
}

/** One RESP command (an array of bulk strings) from the front of `buffer`, or undefined until it is whole. */
function parseCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  let at = 0;
  const line = (): string | undefined => {
    const end = buffer.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const text = buffer.subarray(at, end).toString();
    at = end + 2;
    return text;
  };
  const head = line();
  if (head === undefined) return undefined;
  if (!head.startsWith('*')) return { args: head.trim().split(/\s+/), length: at }; // an inline command
  const count = Number(head.slice(1));
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const size = line();
    if (size === undefined) return undefined;
    const n = Number(size.slice(1));
    if (buffer.byteLength < at + n + 2) return undefined;
    args.push(buffer.subarray(at, at + n).toString());
    at += n + 2;
  }
  return { args, length: at };
}
