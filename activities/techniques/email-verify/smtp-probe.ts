/**
 * The SMTP mailbox probe: EHLO, MAIL FROM, RCPT TO and QUIT with the domain's mail hosts in
 * preference order, never DATA. Each host is resolved by the scanning guard and contacted at
 * the addresses it checked, after the politeness limiter's slot for that host. A host that
 * cannot be reached (refused, timed out, or silent instead of greeting) is skipped; none
 * reachable is an `unreachable` outcome (port 25 is often blocked), never a verdict about the
 * mailbox. A host that says "not now" before RCPT (a 4xx greeting, or 421 later) is skipped
 * too, as RFC 5321 §5.1 has a client go on to the next address; only when no other host gives
 * an answer does the probe fail as retryable.
 */
import { randomBytes } from 'node:crypto';
import { resolveForConnection } from '../guard';
import { TechniqueError, transientError, type TechniqueNetwork } from '../types';
import type { MailHost } from './mail-hosts';
import { classifyRecipientReply, isSenderRejection, type SmtpReply } from './smtp-reply';
import { SmtpSession, SmtpSessionError, type SmtpTranscript } from './smtp-session';

/** What the probe learned. */
export type ProbeOutcome = 'accepted' | 'rejected' | 'mailbox_full' | 'policy' | 'sender_rejected' | 'protocol' | 'no_service' | 'unreachable';

/** The probe's outcome and where it was reached. */
export interface ProbeResult {
  readonly outcome: ProbeOutcome;
  readonly mxHost: string | null;
  readonly address: string | null;
  /** The reply that decided the outcome, e.g. "550 5.1.1 User unknown". */
  readonly reply: string | null;
  /** Whether a random recipient was accepted too; null when not tested or inconclusive. */
  readonly catchAll: boolean | null;
  /**
   * True when the catch-all test ran but its random recipient was neither accepted nor
   * rejected: on a greylisting server it always is deferred, being new on every attempt.
   */
  readonly catchAllInconclusive?: boolean;
}

/** Where the probe is: the mail host it tries (from 1, in preference order) and, once resolved, the address. */
export interface ProbeProgress {
  readonly host: string;
  readonly host_number: number;
  readonly hosts_total: number;
  readonly address?: string;
  readonly address_number?: number;
  readonly addresses_total?: number;
}

/** Settings, cancellation, the transcript to write, the politeness limiter and where progress goes. */
export interface ProbeOptions {
  readonly network: TechniqueNetwork;
  readonly signal: AbortSignal;
  readonly catchAllTest: boolean;
  readonly transcript: SmtpTranscript;
  waitForDomainSlot(kind: 'smtp', domain: string): Promise<void>;
  /** Told before each host and each address: a filtered or tarpitting one can take the whole SMTP timeout. */
  report?(progress: ProbeProgress): void;
}

type Conversation = Pick<ProbeResult, 'outcome' | 'reply' | 'catchAll' | 'catchAllInconclusive'>;

/** A host that said "not now" before RCPT: the probe goes on to the next address. */
interface Deferral {
  readonly deferred: TechniqueError;
}

function describe(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(' ')}`.trim().slice(0, 300);
}

function isTemporary(reply: SmtpReply): boolean {
  return reply.code >= 400 && reply.code < 500;
}

function temporaryFailure(reply: SmtpReply, stage: string): TechniqueError {
  const code = stage === 'RCPT TO' ? 'smtp_greylisted' : 'smtp_temporary_failure';
  return transientError(code, `the mail server answered ${stage} with ${describe(reply)}; try again later`);
}

/**
 * A 4xx to HELO or MAIL FROM means "try later" (greylisting, or a server busy right now), once
 * converse has set aside a 421 (deferred to the next host) and, at MAIL FROM, a refusal of our
 * sender. At RCPT TO, converse throws the same failure for a reply classified as temporary.
 */
function assertNotTemporary(reply: SmtpReply, stage: string): void {
  if (isTemporary(reply)) throw temporaryFailure(reply, stage);
}

const ended = (outcome: ProbeOutcome, reply: SmtpReply): Conversation => ({ outcome, reply: describe(reply), catchAll: null });

/**
 * One conversation. A 4xx greeting, or a 421 (service closing) before RCPT, is this host's
 * "not now", not the domain's: a deferral, so the next address is tried. Other 4xx replies
 * before RCPT, and any at RCPT, fail the probe as retryable at once, except a refusal of our
 * sender, which ends it as `sender_rejected`.
 */
async function converse(session: SmtpSession, greeting: SmtpReply, recipient: string, domain: string, options: ProbeOptions): Promise<Conversation | Deferral> {
  const { smtpHeloName, smtpMailFrom } = options.network;
  if (isTemporary(greeting)) return { deferred: temporaryFailure(greeting, 'the connection') };
  if (greeting.code !== 220) return ended('no_service', greeting);
  let hello = await session.command(`EHLO ${smtpHeloName}`);
  if (hello.code >= 500) hello = await session.command(`HELO ${smtpHeloName}`);
  if (hello.code === 421) return { deferred: temporaryFailure(hello, 'HELO') };
  assertNotTemporary(hello, 'HELO');
  if (hello.code !== 250) return ended('no_service', hello);
  const mail = await session.command(`MAIL FROM:<${smtpMailFrom}>`);
  if (mail.code === 421) return { deferred: temporaryFailure(mail, 'MAIL FROM') };
  if (isSenderRejection(mail)) return ended('sender_rejected', mail);
  assertNotTemporary(mail, 'MAIL FROM');
  if (mail.code !== 250) return ended('policy', mail);

  const rcpt = await session.command(`RCPT TO:<${recipient}>`);
  const status = classifyRecipientReply(rcpt);
  if (status === 'temporary') throw temporaryFailure(rcpt, 'RCPT TO');
  if (status !== 'accepted' || !options.catchAllTest) return ended(status, rcpt);
  // A recipient nobody has: accepted too means the server accepts everything. Anything else
  // (greylisting above all) leaves the question open, and the verdict must say so.
  const random = await session.command(`RCPT TO:<verify-${randomBytes(6).toString('hex')}@${domain}>`);
  const randomStatus = classifyRecipientReply(random);
  const catchAll = randomStatus === 'accepted' ? true : randomStatus === 'rejected' ? false : null;
  return { outcome: 'accepted', reply: describe(rcpt), catchAll, ...(catchAll === null ? { catchAllInconclusive: true } : {}) };
}

/**
 * Runs a conversation. Undefined when the server never completed its greeting (silent, too
 * slow, or hung up): that port does not serve SMTP to us, like a refused one. After the greeting,
 * a timeout or a lost connection is retryable; a broken reply is a protocol-error outcome.
 */
async function talk(session: SmtpSession, recipient: string, domain: string, options: ProbeOptions): Promise<Conversation | Deferral | undefined> {
  let greeted = false;
  try {
    const greeting = await session.readReply();
    greeted = true;
    return await converse(session, greeting, recipient, domain, options);
  } catch (error) {
    if (!(error instanceof SmtpSessionError)) throw error;
    if (error.kind === 'protocol') return { outcome: 'protocol', reply: error.message, catchAll: null };
    if (!greeted) return undefined;
    const code = error.kind === 'timeout' ? 'smtp_timeout' : 'smtp_connection_lost';
    throw transientError(code, `SMTP session failed: ${error.message}`, error);
  } finally {
    await session.quit();
  }
}

/**
 * Probes `recipient` at the first of `hosts` that accepts a connection and does not defer. When
 * none answers and one deferred or could not be resolved for a transient reason, that failure is
 * thrown (retryable); a deferral wins, being the one a retry is most likely to get past.
 */
export async function probeMailbox(recipient: string, domain: string, hosts: readonly MailHost[], options: ProbeOptions): Promise<ProbeResult> {
  const { network, signal, transcript } = options;
  let dnsFailure: TechniqueError | undefined;
  let deferral: TechniqueError | undefined;
  for (const [hostIndex, host] of hosts.entries()) {
    signal.throwIfAborted();
    const where = { host: host.exchange, host_number: hostIndex + 1, hosts_total: hosts.length };
    options.report?.(where);
    await options.waitForDomainSlot('smtp', host.exchange);
    let addresses: string[];
    try {
      addresses = await resolveForConnection(host.exchange, network, signal);
    } catch (error) {
      // A lookup cut short by cancellation fails like a DNS error; it must stop the probe, not skip the host.
      signal.throwIfAborted();
      // The guard's refusal is final; a host without addresses is skipped like a dead one.
      if (!(error instanceof TechniqueError) || error.code === 'guard_refused') throw error;
      transcript.note(`${host.exchange}: ${error.message}`);
      if (error.failureClass === 'transient') dnsFailure = error;
      continue;
    }
    for (const [addressIndex, address] of addresses.entries()) {
      options.report?.({ ...where, address, address_number: addressIndex + 1, addresses_total: addresses.length });
      let session: SmtpSession;
      try {
        session = await SmtpSession.connect(address, network.smtpPort, { timeoutMs: network.smtpTimeoutMs, signal, transcript });
      } catch (error) {
        if (error instanceof SmtpSessionError) continue;
        throw error;
      }
      const conversation = await talk(session, recipient, domain, options);
      if (conversation && 'deferred' in conversation) {
        deferral = conversation.deferred;
        transcript.note(`${host.exchange} (${address}) deferred: ${deferral.message}; moving on`);
        continue;
      }
      if (conversation) return { ...conversation, mxHost: host.exchange, address };
    }
  }
  if (deferral) throw deferral;
  if (dnsFailure) throw dnsFailure;
  return { outcome: 'unreachable', mxHost: null, address: null, reply: null, catchAll: null };
}
