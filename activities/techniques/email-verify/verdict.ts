/**
 * The verdict from everything email_verify learned. Undeliverable needs proof (bad syntax, no
 * domain, no mail server, a mailbox the server rejected); risky is mail that would arrive
 * somewhere we cannot vouch for (disposable, role, catch-all, full mailbox, or an accepted
 * mailbox whose catch-all test could not tell); deliverable is a mailbox the server accepted
 * with no such doubt; anything else (our sender refused, a policy block) is unknown, never
 * undeliverable.
 */
import type { MailHosts } from './mail-hosts';
import type { ProbeResult } from './smtp-probe';

/** The four verdicts of the design. */
export type Verdict = 'deliverable' | 'undeliverable' | 'risky' | 'unknown';

/** Everything the verdict depends on. */
export interface VerdictInputs {
  /** Why the address is invalid, when it is. */
  readonly syntaxProblem: string | null;
  /** Absent when the lookup was not reached (invalid syntax). */
  readonly mail?: MailHosts['kind'];
  readonly disposable: boolean;
  readonly role: boolean;
  /** Absent when no SMTP probe ran. */
  readonly probe?: Pick<ProbeResult, 'outcome' | 'catchAll' | 'catchAllInconclusive'>;
}

/** Reason codes, most decisive first. */
export function decideVerdict(inputs: VerdictInputs): { verdict: Verdict; reasons: string[] } {
  if (inputs.syntaxProblem) return { verdict: 'undeliverable', reasons: ['invalid_syntax'] };
  const reasons: string[] = [];
  const domainReason = { no_domain: 'domain_not_found', null_mx: 'null_mx', no_mail_server: 'no_mail_server' } as const;
  if (inputs.mail && inputs.mail in domainReason) {
    return { verdict: 'undeliverable', reasons: [domainReason[inputs.mail as keyof typeof domainReason]] };
  }
  if (inputs.mail === 'implicit') reasons.push('no_mx_using_address_record');

  const probe = inputs.probe;
  if (probe?.outcome === 'rejected') return { verdict: 'undeliverable', reasons: ['mailbox_rejected', ...reasons] };

  const risks: string[] = [];
  if (inputs.disposable) risks.push('disposable_domain');
  if (inputs.role) risks.push('role_account');
  if (probe?.catchAll === true) risks.push('catch_all');
  // A server that took the mailbox but would not say whether it takes anyone (a random address
  // greylisted, say) might be a catch-all: its acceptance proves nothing either way.
  if (probe?.outcome === 'accepted' && probe.catchAllInconclusive === true) risks.push('catch_all_unknown');
  if (probe?.outcome === 'mailbox_full') risks.push('mailbox_full');

  const probeReason: Record<ProbeResult['outcome'], string> = {
    accepted: 'mailbox_accepted',
    rejected: 'mailbox_rejected',
    mailbox_full: 'mailbox_full',
    policy: 'smtp_policy_rejection',
    sender_rejected: 'smtp_sender_rejected',
    protocol: 'smtp_protocol_error',
    no_service: 'smtp_no_service',
    unreachable: 'smtp_unreachable',
  };
  const facts = [...reasons];
  if (!probe) facts.push('smtp_not_probed');
  else if (probe.outcome !== 'mailbox_full') facts.push(probeReason[probe.outcome]);
  if (probe?.outcome === 'accepted' && probe.catchAll === null && probe.catchAllInconclusive !== true) facts.push('catch_all_untested');

  if (risks.length > 0) return { verdict: 'risky', reasons: [...risks, ...facts] };
  if (probe?.outcome === 'accepted') return { verdict: 'deliverable', reasons: facts };
  return { verdict: 'unknown', reasons: facts };
}
