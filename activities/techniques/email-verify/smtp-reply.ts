/**
 * SMTP replies (RFC 5321 §4.2): "250-first line", "250 last line", one code throughout,
 * optionally an enhanced status code (RFC 3463) at the start of the text. Read incrementally
 * from the socket with limits, so a server sending garbage or an endless reply is caught.
 */

/** One complete reply. */
export interface SmtpReply {
  readonly code: number;
  /** "5.1.1" when the server gave one. */
  readonly enhanced: string | null;
  /** Text of every line, without code and separator. */
  readonly lines: string[];
  /** The reply as received, line endings included. */
  readonly raw: Buffer;
}

/** A reply that breaks the protocol: not a reply line, mixed codes, or too big. */
export class SmtpProtocolError extends Error {
  constructor(
    message: string,
    readonly raw: Buffer,
  ) {
    super(message);
    this.name = 'SmtpProtocolError';
  }
}

/** RFC 5321 allows 512 octets per reply line; real servers stay well below this. */
const MAX_LINE = 2048;
const MAX_LINES = 100;
const REPLY_LINE = /^([2-5]\d\d)(?:([ -])(.*))?$/s;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/;

/** The enhanced status code at the start of a reply's text, or null. */
export function enhancedCode(text: string): string | null {
  return ENHANCED.exec(text)?.[1] ?? null;
}

/** Collects bytes and hands out complete replies. */
export class SmtpReplyReader {
  private buffer: Buffer = Buffer.alloc(0);
  private lines: Array<{ code: number; text: string; raw: Buffer }> = [];

  /** Adds received bytes; returns the replies they complete. Throws SmtpProtocolError. */
  push(chunk: Buffer): SmtpReply[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const replies: SmtpReply[] = [];
    let newline: number;
    while ((newline = this.buffer.indexOf(0x0a)) !== -1) {
      const raw = this.buffer.subarray(0, newline + 1);
      this.buffer = this.buffer.subarray(newline + 1);
      const reply = this.takeLine(raw);
      if (reply) replies.push(reply);
    }
    if (this.buffer.length > MAX_LINE) throw new SmtpProtocolError(`reply line longer than ${MAX_LINE} bytes`, this.pending());
    return replies;
  }

  /** Bytes received but not yet part of a complete reply. */
  pending(): Buffer {
    return Buffer.concat([...this.lines.map((line) => line.raw), this.buffer]);
  }

  private takeLine(raw: Buffer): SmtpReply | undefined {
    const line = raw.toString('latin1').replace(/\r?\n$/, '');
    const match = REPLY_LINE.exec(line);
    if (!match) throw new SmtpProtocolError(`not an SMTP reply line: ${JSON.stringify(line.slice(0, 80))}`, Buffer.concat([this.pending(), raw]));
    const code = Number(match[1]);
    const first = this.lines[0];
    if (first && first.code !== code) throw new SmtpProtocolError(`reply mixes codes ${first.code} and ${code}`, Buffer.concat([this.pending(), raw]));
    this.lines.push({ code, text: match[3] ?? '', raw });
    if (this.lines.length > MAX_LINES) throw new SmtpProtocolError(`reply longer than ${MAX_LINES} lines`, this.pending());
    if (match[2] === '-') return undefined;
    const lines = this.lines.map((entry) => entry.text);
    const reply = { code, enhanced: enhancedCode(lines[lines.length - 1] ?? '') ?? enhancedCode(lines[0] ?? ''), lines, raw: Buffer.concat(this.lines.map((entry) => entry.raw)) };
    this.lines = [];
    return reply;
  }
}

/** What a RCPT TO reply says about the mailbox; `sender_rejected` is about our MAIL FROM address instead. */
export type RecipientStatus = 'accepted' | 'rejected' | 'mailbox_full' | 'temporary' | 'policy' | 'sender_rejected' | 'protocol';

// Read only in replies whose code leaves open whose address is refused (see classifyRecipientReply).
const SENDER_TEXT = /\bsender\b/i;
// "User unknown in relay recipient table" (Postfix) is about the recipient, so "relay recipient" is not relaying.
const POLICY_TEXT = /\brelay(?:ing)?\b(?!\s+recipient)|\b(?:policy|blocked|blocklisted|blacklisted|spam)\b/i;

/**
 * Whether a 4xx or 5xx refuses our sender address rather than the recipient: RFC 3463's x.1.7
 * (bad sender mailbox syntax) and x.1.8 (bad sender's system address), or a reply without a more
 * telling enhanced code (none, or the catch-all x.1.0) whose text names the sender, as in
 * Postfix's "Sender address rejected: Domain not found" or Exim's "Sender verify failed".
 * Our default MAIL FROM domain never resolves, so servers that check it say so, often at RCPT,
 * and often with a 4xx (Postfix's default for an unknown sender domain is 450 4.1.8): retrying
 * would get the same answer every time, so a temporary refusal of our sender counts too.
 */
export function isSenderRejection(reply: Pick<SmtpReply, 'code' | 'enhanced'> & { readonly lines?: readonly string[] }): boolean {
  if (reply.code < 400 || reply.code >= 600) return false;
  const detail = reply.enhanced?.split('.').slice(1).join('.');
  if (detail === '1.7' || detail === '1.8') return true;
  if (reply.enhanced !== null && detail !== '1.0') return false;
  return SENDER_TEXT.test(reply.lines?.join(' ') ?? '');
}

/**
 * Classifies a RCPT TO reply. A refusal of our sender comes first (see isSenderRejection); then
 * enhanced codes decide when present: 5.1.x (bad mailbox or address), 5.2.1 (disabled) and
 * 5.4.1 (Microsoft 365's unknown recipient) reject the mailbox, 5.2.2 is a full mailbox, 5.7.x
 * is the server's policy about us, not the mailbox. Without one, a 550/551/553 whose text speaks
 * of relaying, policy, blocking or spam is policy ("550 Relaying denied"); the text never turns
 * a reply into a rejection, so an unfamiliar wording can only cost a verdict, never invent
 * "undeliverable". Otherwise 550/551/553 reject, 552 is full, and 554 (transaction failed) says
 * nothing about the mailbox.
 */
export function classifyRecipientReply(reply: Pick<SmtpReply, 'code' | 'enhanced'> & { readonly lines?: readonly string[] }): RecipientStatus {
  if (reply.code >= 200 && reply.code < 300) return 'accepted';
  if (isSenderRejection(reply)) return 'sender_rejected';
  if (reply.code >= 400 && reply.code < 500) return 'temporary';
  if (reply.code < 500) return 'protocol';
  const enhanced = reply.enhanced;
  if (enhanced) {
    const [, subject, detail] = enhanced.split('.');
    if (subject === '1') return 'rejected';
    if (subject === '2') return detail === '2' ? 'mailbox_full' : 'rejected';
    // Microsoft 365 answers 5.4.1 for recipients its directory does not know.
    if (subject === '4') return detail === '1' ? 'rejected' : 'policy';
    if (subject === '7' || subject === '3') return 'policy';
    if (subject === '5') return 'protocol';
  }
  if (reply.code === 550 || reply.code === 551 || reply.code === 553) {
    return !enhanced && POLICY_TEXT.test(reply.lines?.join(' ') ?? '') ? 'policy' : 'rejected';
  }
  if (reply.code === 552) return 'mailbox_full';
  if (reply.code === 500 || reply.code === 501 || reply.code === 502 || reply.code === 503) return 'protocol';
  return 'policy';
}
