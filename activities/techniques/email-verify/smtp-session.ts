/**
 * A minimal SMTP client session for mailbox probes: connect, read replies under a deadline per
 * reply (a server dribbling bytes cannot hold us longer than that), send commands, and keep a
 * transcript of both directions with the server's bytes as received.
 */
import net from 'node:net';
import { SmtpProtocolError, SmtpReplyReader, type SmtpReply } from './smtp-reply';

/** How a session failed. */
export type SmtpFailureKind = 'refused' | 'connect_timeout' | 'unreachable' | 'timeout' | 'closed' | 'protocol';

/** A session that could not go on. */
export class SmtpSessionError extends Error {
  constructor(
    message: string,
    readonly kind: SmtpFailureKind,
  ) {
    super(message);
    this.name = 'SmtpSessionError';
  }
}

/**
 * Both directions of every session: "C: " before what we sent, "S: " before each line the
 * server sent (its bytes unchanged, line endings included), "* " before our own notes.
 */
export class SmtpTranscript {
  private readonly chunks: Buffer[] = [];

  note(text: string): void {
    this.chunks.push(Buffer.from(`* ${text}\n`));
  }

  sent(line: string): void {
    this.chunks.push(Buffer.from(`C: ${line}\r\n`, 'latin1'));
  }

  received(raw: Buffer): void {
    let start = 0;
    while (start < raw.length) {
      const newline = raw.indexOf(0x0a, start);
      const end = newline === -1 ? raw.length : newline + 1;
      this.chunks.push(Buffer.from('S: '), raw.subarray(start, end));
      start = end;
    }
    if (raw.length > 0 && raw[raw.length - 1] !== 0x0a) this.chunks.push(Buffer.from('\n'));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Deadline, cancellation and the transcript of a session. */
export interface SmtpSessionOptions {
  /** Deadline for connecting, and for each whole reply. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly transcript: SmtpTranscript;
}

/** One connection to one SMTP server. */
export class SmtpSession {
  private readonly reader = new SmtpReplyReader();
  private readonly replies: SmtpReply[] = [];
  private failure: SmtpSessionError | undefined;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: SmtpSessionOptions,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const reply of this.reader.push(chunk)) {
          options.transcript.received(reply.raw);
          this.replies.push(reply);
        }
      } catch (error) {
        const raw = error instanceof SmtpProtocolError ? error.raw : chunk;
        options.transcript.received(raw);
        this.fail(new SmtpSessionError(error instanceof Error ? error.message : String(error), 'protocol'));
        socket.destroy();
      }
      this.wake?.();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(new SmtpSessionError(`connection failed: ${error.code ?? error.message}`, 'closed')));
    socket.on('close', () => {
      const partial = this.reader.pending();
      if (partial.length > 0 && !this.failure) options.transcript.received(partial);
      this.fail(new SmtpSessionError('the server closed the connection', 'closed'));
    });
  }

  /** Connects to `address:port`; fails with `refused`, `connect_timeout` or `unreachable`. */
  static connect(address: string, port: number, options: SmtpSessionOptions): Promise<SmtpSession> {
    options.signal.throwIfAborted();
    options.transcript.note(`connecting to ${address} port ${port}`);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address, port });
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        socket.removeAllListeners('connect');
        socket.removeAllListeners('error');
        outcome();
      };
      const onAbort = () =>
        finish(() => {
          socket.destroy();
          reject(options.signal.reason);
        });
      const timer = setTimeout(() => finish(() => {
        socket.destroy();
        options.transcript.note(`no connection within ${options.timeoutMs} ms`);
        reject(new SmtpSessionError(`connecting to ${address}:${port} timed out`, 'connect_timeout'));
      }), options.timeoutMs);
      options.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error: NodeJS.ErrnoException) => finish(() => {
        socket.destroy();
        options.transcript.note(`connection failed: ${error.code ?? error.message}`);
        const kind = error.code === 'ECONNREFUSED' ? 'refused' : 'unreachable';
        reject(new SmtpSessionError(`connecting to ${address}:${port} failed (${error.code ?? error.message})`, kind));
      }));
      socket.once('connect', () => finish(() => {
        options.transcript.note('connected');
        resolve(new SmtpSession(socket, options));
      }));
    });
  }

  /** The next reply, within the deadline; rejects with SmtpSessionError or the abort reason. */
  readReply(): Promise<SmtpReply> {
    const { signal, timeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      const check = () => {
        const reply = this.replies.shift();
        if (reply) return finish(() => resolve(reply));
        if (this.failure) return finish(() => reject(this.failure));
      };
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
        outcome();
      };
      const onAbort = () =>
        finish(() => {
          this.destroy();
          reject(signal.reason);
        });
      const timer = setTimeout(() => finish(() => {
        const partial = this.reader.pending();
        if (partial.length > 0) this.options.transcript.received(partial);
        this.options.transcript.note(`no complete reply within ${timeoutMs} ms`);
        const error = new SmtpSessionError(`no complete reply within ${timeoutMs} ms`, 'timeout');
        this.failure ??= error;
        this.destroy();
        reject(error);
      }), timeoutMs);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.wake = check;
      check();
    });
  }

  /** Sends one command line and reads its reply. */
  async command(line: string): Promise<SmtpReply> {
    if (this.failure) throw this.failure;
    this.options.transcript.sent(line);
    this.socket.write(`${line}\r\n`);
    return this.readReply();
  }

  /** Says QUIT and waits briefly for the goodbye; never fails. */
  async quit(): Promise<void> {
    if (!this.failure && !this.socket.destroyed) {
      this.options.transcript.sent('QUIT');
      this.socket.write('QUIT\r\n');
      const goodbye = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(this.options.timeoutMs, 1000));
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        this.socket.once('close', done);
        this.socket.on('data', () => {
          if (this.replies.length > 0) done();
        });
      });
      await goodbye;
    }
    this.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private fail(error: SmtpSessionError): void {
    this.failure ??= error;
    this.wake?.();
  }
}
