/** A client request the translation layer cannot read: the runtime answers it with a 400 in the client's envelope. */
export class ProtocolDecodeError extends Error {
  readonly status = 400;
  /** The offending parameter, as a path such as `messages[2].content[0].type`. */
  readonly param: string | undefined;

  constructor(message: string, param?: string) {
    super(message);
    this.name = 'ProtocolDecodeError';
    this.param = param;
  }
}
