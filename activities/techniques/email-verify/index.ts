/**
 * email_verify: syntax, mail hosts (MX, else the domain's own address), disposable and role
 * detection, and on request an SMTP probe of the mailbox with a catch-all test; a verdict with
 * its reasons. An invalid address is a result (undeliverable); greylisting is retryable.
 */
import type { TechniqueParams } from '../../../core/domain/techniques';
import { permanentError, type RawEvidence, type Technique, type TechniqueFinding } from '../types';
import { isRoleAccount, splitAddress, syntaxProblem } from './address';
import { isDisposableDomain } from './disposable';
import { lookupMailHosts, type DnsLogEntry, type MailHosts } from './mail-hosts';
import { probeMailbox, type ProbeResult } from './smtp-probe';
import { SmtpTranscript } from './smtp-session';
import { decideVerdict } from './verdict';

/** email_verify's parameters, as the API validated them. */
export type EmailVerifyParams = TechniqueParams<'email_verify'>;

/** Verifies an email address; see the module comment. */
export const emailVerify: Technique<EmailVerifyParams> = async (target, params, context) => {
  if (target.type !== 'email') throw permanentError('not_applicable', `email_verify applies to emails, not ${target.type} targets`);
  const parts = splitAddress(target.value);
  if (!parts) throw permanentError('invalid_target', `"${target.value}" is not an email address (name@domain)`);
  const address = target.value;
  const problem = syntaxProblem(address);
  const role = isRoleAccount(parts.local);
  const disposable = isDisposableDomain(parts.domain);
  // The probe is opt-in; asking only for the catch-all test implies it. The test rides along by default.
  const smtpProbe = params.smtp_probe ?? params.catch_all_test === true;
  const catchAllTest = params.catch_all_test ?? true;

  const dnsLog: DnsLogEntry[] = [];
  const transcript = new SmtpTranscript();
  let mail: MailHosts | undefined;
  let probe: ProbeResult | undefined;
  if (!problem) {
    context.heartbeat({ stage: 'mail_hosts', domain: parts.domain });
    mail = await lookupMailHosts(parts.domain, context.network, context.signal, dnsLog);
    if (smtpProbe && mail.hosts.length > 0) {
      probe = await probeMailbox(address, parts.domain, mail.hosts, {
        network: context.network,
        signal: context.signal,
        catchAllTest,
        transcript,
        waitForDomainSlot: (kind, domain) => context.waitForDomainSlot(kind, domain),
        report: (progress) => context.heartbeat({ stage: 'smtp_probe', ...progress }),
      });
    }
  }
  context.signal.throwIfAborted();

  const { verdict, reasons } = decideVerdict({ syntaxProblem: problem, mail: mail?.kind, disposable, role, probe });
  const mx = mail?.hosts.map((host) => host.exchange) ?? [];
  const catchAll = probe?.catchAll ?? null;
  const findings: TechniqueFinding[] = [
    {
      finding_type: 'email_verdict',
      subject: address,
      data: {
        verdict,
        reasons,
        mx,
        disposable,
        role,
        catch_all: catchAll,
        ...(problem ? { syntax_problem: problem } : {}),
        ...(probe ? { smtp: { outcome: probe.outcome, mx_host: probe.mxHost, reply: probe.reply } } : {}),
      },
      stable_data: { verdict },
    },
    ...(mail?.kind === 'mx'
      ? mail.hosts.map((host) => ({
          finding_type: 'mx_record',
          subject: parts.domain,
          data: { exchange: host.exchange, priority: host.priority },
          stable_data: { exchange: host.exchange, priority: host.priority },
        }))
      : []),
  ];

  const evidence: RawEvidence[] = [];
  if (dnsLog.length > 0) {
    const body = { domain: parts.domain, mail_hosts: mail?.kind ?? null, queries: dnsLog };
    evidence.push({ name: 'dns-answers.json', contentType: 'application/json', body: Buffer.from(JSON.stringify(body, null, 2)) });
  }
  const transcriptBytes = transcript.toBuffer();
  if (transcriptBytes.length > 0) evidence.push({ name: 'smtp-transcript.txt', contentType: 'text/plain; charset=latin1', body: transcriptBytes });

  return {
    evidence,
    findings,
    summary: { address, verdict, reasons, mx, disposable, role, catch_all: catchAll, smtp: probe?.outcome ?? 'not_probed' },
  };
};
