import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer, type ZoneRecord } from '../../../test/fixture-servers/dns-server';
import type { SmtpServerOptions } from '../../../test/fixture-servers/smtp-server';
import { smtpBesideSmtp } from '../../../test/helpers/paired-mail-hosts';
import { createTechniqueContext } from '../../../test/helpers/technique-context';
import { TechniqueError, type TechniqueResult } from '../types';
import { emailVerify } from './index';

const mx = (name: string, exchange: string, preference: number): ZoneRecord => ({ name, type: 'MX', data: { preference, exchange } });
const a = (name: string, address: string): ZoneRecord => ({ name, type: 'A', data: address });

// Two mail hosts on two loopback addresses: the preferred one on 127.0.0.2, the backup on 127.0.0.1.
const zone: ZoneRecord[] = [
  mx('two.test', 'mx1.two.test', 10),
  mx('two.test', 'mx2.two.test', 20),
  a('mx1.two.test', '127.0.0.2'),
  a('mx2.two.test', '127.0.0.1'),
];

const email = (value: string) => ({ type: 'email' as const, value });

function verdictOf(result: TechniqueResult): Record<string, unknown> {
  const finding = result.findings.find((item) => item.finding_type === 'email_verdict');
  assert.ok(finding);
  return finding.data;
}

describe('email_verify when an SMTP answer says nothing about the mailbox', () => {
  let dns: DnsServer;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    dns = await startDnsServer({ zone });
  });
  after(async () => {
    await dns.close();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function mailHosts(preferred: SmtpServerOptions, backup: SmtpServerOptions = {}) {
    const servers = await smtpBesideSmtp({ mailboxes: ['alice@two.test'], ...preferred }, { mailboxes: ['alice@two.test'], ...backup });
    closers.push(() => servers.preferred.close(), () => servers.backup.close());
    return servers;
  }

  function context(port: number) {
    return createTechniqueContext({ dnsServers: [dns.address], smtpPort: port, smtpTimeoutMs: 1000, scanAllowedCidrs: ['127.0.0.1/32', '127.0.0.2/32'] });
  }

  it('answers unknown, naming the sender, when the server refuses our sender at RCPT TO with 5.1.8', async () => {
    const { preferred } = await mailHosts({ rcptReply: '550 5.1.8 <probe@osint-platform.test>: Sender address rejected: Domain not found' });
    const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, context(preferred.port));

    assert.equal(result.summary.verdict, 'unknown');
    assert.deepEqual(verdictOf(result).reasons, ['smtp_sender_rejected']);
    assert.deepEqual(verdictOf(result).smtp, {
      outcome: 'sender_rejected',
      mx_host: 'mx1.two.test',
      reply: '550 5.1.8 <probe@osint-platform.test>: Sender address rejected: Domain not found',
    });
  });

  it('answers unknown at once, not retrying, when the server refuses our sender for now with 450 4.1.8', async () => {
    const reply = '450 4.1.8 <probe@osint-platform.test>: Sender address rejected: Domain not found';
    const { preferred } = await mailHosts({ rcptReply: reply });
    const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, context(preferred.port));

    assert.equal(result.summary.verdict, 'unknown');
    assert.deepEqual(verdictOf(result).reasons, ['smtp_sender_rejected']);
    assert.deepEqual(verdictOf(result).smtp, { outcome: 'sender_rejected', mx_host: 'mx1.two.test', reply });
  });

  it('calls the mailbox risky, not deliverable, when the catch-all test is greylisted', async () => {
    const { preferred } = await mailHosts({ greylistAttempts: 1 });
    const ctx = context(preferred.port);
    await assert.rejects(emailVerify(email('alice@two.test'), { smtp_probe: true }, ctx), { code: 'smtp_greylisted' });
    const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, ctx);

    assert.equal(result.summary.verdict, 'risky');
    assert.deepEqual(verdictOf(result).reasons, ['catch_all_unknown', 'mailbox_accepted']);
    assert.equal(verdictOf(result).catch_all, null);
    const rcpts = preferred.transcript.filter((entry) => entry.session === 2 && entry.command.startsWith('RCPT'));
    assert.deepEqual(rcpts.map((entry) => entry.reply.slice(0, 3)), ['250', '450']);
  });

  it('tries the next mail host when the preferred one greets with 421, and takes its answer', async () => {
    const { preferred, backup } = await mailHosts({ greeting: '421 4.3.2 Service not available, closing transmission channel' });
    const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, context(preferred.port));

    assert.equal(result.summary.verdict, 'deliverable');
    assert.equal((verdictOf(result).smtp as { mx_host: string }).mx_host, 'mx2.two.test');
    assert.ok(preferred.transcript.every((entry) => entry.command === 'QUIT'));
    assert.equal(backup.transcript.filter((entry) => entry.command.startsWith('RCPT')).length, 2);
    const transcript = result.evidence.find((item) => item.name === 'smtp-transcript.txt')?.body.toString('latin1') ?? '';
    assert.match(transcript, /\* mx1\.two\.test \(127\.0\.0\.2\) deferred: the mail server answered the connection with 421 4\.3\.2/);
  });

  it('tries the next mail host when the preferred one answers MAIL FROM with 421', async () => {
    const { preferred } = await mailHosts({ mailFromReply: '421 4.7.0 Too many connections, closing transmission channel' });
    const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, context(preferred.port));

    assert.equal(result.summary.verdict, 'deliverable');
    assert.equal((verdictOf(result).smtp as { mx_host: string }).mx_host, 'mx2.two.test');
  });

  it('fails as retryable only when every mail host defers', async () => {
    const busy = { greeting: '421 4.3.2 Service not available' };
    const { preferred, backup } = await mailHosts(busy, busy);
    const error = await emailVerify(email('alice@two.test'), { smtp_probe: true }, context(preferred.port)).then(
      () => assert.fail('expected email_verify to fail'),
      (reason: unknown) => reason,
    );

    assert.ok(error instanceof TechniqueError);
    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'smtp_temporary_failure');
    assert.ok(preferred.transcript.length > 0 && backup.transcript.length > 0, 'both hosts were tried');
  });
});
