/**
 * SMTP fixture on loopback for mailbox verification tests: scripted replies up to RCPT TO and a
 * transcript of every command. It never accepts DATA, so a test can prove no mail was sent.
 */
import net from 'node:net';
import { listenTracked } from './listen';

/** Scripted replies and where to listen. */
export interface SmtpServerOptions {
  /** Name in the greeting and EHLO reply. */
  hostname?: string;
  /** Whole greeting line; a code other than 220 makes every command but QUIT fail with 503. */
  greeting?: string;
  /** Recipients accepted with 250 (case-insensitive); others get 550. */
  mailboxes?: string[];
  /** Accept every recipient, like a catch-all domain. */
  catchAll?: boolean;
  /** Answer 450 to the first N RCPT attempts for each recipient, across sessions. */
  greylistAttempts?: number;
  /** Whole reply line to MAIL FROM; defaults to 250. */
  mailFromReply?: string;
  /** Whole reply line to every RCPT TO past greylisting, in place of the mailbox check. */
  rcptReply?: string;
  host?: string;
  port?: number;
}

/** One client command and the reply it got. */
export interface SmtpTranscriptEntry {
  /** Connection number, from 1. */
  session: number;
  command: string;
  /** Reply as sent, lines joined by CRLF. */
  reply: string;
}

/** A running SMTP fixture. */
export interface SmtpServer {
  host: string;
  port: number;
  transcript: SmtpTranscriptEntry[];
  close(): Promise<void>;
}

const MAX_LINE = 1000;

interface Session {
  id: number;
  greeted: boolean;
  inTransaction: boolean;
}

/** Starts the fixture on 127.0.0.1 (port 0 picks a free one). */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<SmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const hostname = options.hostname ?? 'mx.fixture.test';
  const greeting = options.greeting ?? `220 ${hostname} ESMTP Fixture`;
  const mailboxes = new Set((options.mailboxes ?? []).map((mailbox) => mailbox.toLowerCase()));
  const rcptAttempts = new Map<string, number>();
  const transcript: SmtpTranscriptEntry[] = [];
  let sessions = 0;

  const recipientReply = (argument: string): string => {
    const address = /^TO:\s*<([^<>\s]+@[^<>\s]+)>/i.exec(argument)?.[1]?.toLowerCase();
    if (!address) return '501 5.1.3 Bad recipient address syntax';
    const attempts = (rcptAttempts.get(address) ?? 0) + 1;
    rcptAttempts.set(address, attempts);
    if (attempts <= (options.greylistAttempts ?? 0)) return '450 4.2.0 Greylisted, try again later';
    if (options.rcptReply) return options.rcptReply;
    if (options.catchAll || mailboxes.has(address)) return '250 2.1.5 Recipient OK';
    return '550 5.1.1 User unknown';
  };

  const reply = (session: Session, verb: string, argument: string): string => {
    if (verb === 'QUIT') return '221 2.0.0 Bye';
    if (!greeting.startsWith('220')) return '503 5.5.1 No service';
    switch (verb) {
      case 'EHLO':
        session.greeted = true;
        session.inTransaction = false;
        return [`250-${hostname}`, '250-SIZE 35882577', '250-8BITMIME', '250 ENHANCEDSTATUSCODES'].join('\r\n');
      case 'HELO':
        session.greeted = true;
        session.inTransaction = false;
        return `250 ${hostname}`;
      case 'MAIL': {
        if (!session.greeted) return '503 5.5.1 Send EHLO first';
        const answer = options.mailFromReply ?? '250 2.1.0 Sender OK';
        session.inTransaction = answer.startsWith('2');
        return answer;
      }
      case 'RCPT':
        return session.inTransaction ? recipientReply(argument) : '503 5.5.1 Need MAIL first';
      case 'DATA':
      case 'BDAT':
        return '503 5.5.1 This fixture never accepts message content';
      case 'RSET':
        session.inTransaction = false;
        return '250 2.0.0 OK';
      case 'NOOP':
        return '250 2.0.0 OK';
      case 'VRFY':
        return '252 2.5.2 Cannot VRFY user';
      case 'STARTTLS':
        return '454 4.7.0 TLS not available';
      default:
        return '500 5.5.2 Command not recognized';
    }
  };

  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const session: Session = { id: (sessions += 1), greeted: false, inTransaction: false };
    let pending = '';
    socket.write(`${greeting}\r\n`);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\n')) !== -1 && !socket.writableEnded) {
        const command = pending.slice(0, end).replace(/\r$/, '');
        pending = pending.slice(end + 1);
        const [verb = '', ...rest] = command.split(' ');
        const answer = reply(session, verb.toUpperCase(), rest.join(' '));
        transcript.push({ session: session.id, command, reply: answer });
        if (answer.startsWith('221')) socket.end(`${answer}\r\n`);
        else socket.write(`${answer}\r\n`);
      }
      if (pending.length > MAX_LINE) socket.end('500 5.5.2 Line too long\r\n');
    });
  });

  const { port, close } = await listenTracked(server, host, options.port);
  return { host, port, transcript, close };
}
