import assert from 'node:assert/strict';
import net from 'node:net';
import { startDnsServer, type DnsServer, type ZoneRecord } from '../../../test/fixture-servers/dns-server';
import { startSmtpServer, type SmtpServer, type SmtpServerOptions } from '../../../test/fixture-servers/smtp-server';
import { findClosedPort } from '../../../test/fixture-servers/tcp-ports';
import { createTechniqueContext, type TestTechniqueContext } from '../../../test/helpers/technique-context';
import { smtpBesideSmtp } from '../../../test/helpers/paired-mail-hosts';
import { TechniqueError, type TechniqueResult } from '../types';
import { emailVerify, type EmailVerifyParams } from './index';

const mx = (name: string, exchange: string, preference = 10): ZoneRecord => ({ name, type: 'MX', data: { preference, exchange } });
const a = (name: string, address: string): ZoneRecord => ({ name, type: 'A', data: address });

const zone: ZoneRecord[] = [
  mx('example.test', 'mx.example.test'),
  a('mx.example.test', '127.0.0.1'),
  mx('backup.test', 'noaddress.backup.test', 5),
  mx('backup.test', 'mx.example.test', 20),
  { name: 'noaddress.backup.test', type: 'TXT', data: 'no address here' },
  a('nomx.test', '127.0.0.1'),
  { name: 'nomail.test', type: 'TXT', data: 'v=spf1 -all' },
  mx('nullmx.test', '.', 0),
  mx('private.test', 'mx.private.test'),
  a('mx.private.test', '10.0.0.1'),
  mx('metadata.test', 'mx.metadata.test'),
  a('mx.metadata.test', '169.254.169.254'),
  mx('loopback2.test', 'mx.loopback2.test'),
  a('mx.loopback2.test', '127.0.0.2'),
  mx('mailinator.com', 'mx.example.test'),
  // Two mail hosts on two loopback addresses: the preferred one on 127.0.0.2, the backup on 127.0.0.1.
  mx('two.test', 'mx1.two.test', 10),
  mx('two.test', 'mx2.two.test', 20),
  a('mx1.two.test', '127.0.0.2'),
  a('mx2.two.test', '127.0.0.1'),
];

const email = (value: string) => ({ type: 'email' as const, value });
const probe: EmailVerifyParams = { smtp_probe: true };

async function rejection(promise: Promise<unknown>): Promise<TechniqueError> {
  const error = await promise.then(
    () => assert.fail('expected email_verify to fail'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof TechniqueError, `expected a TechniqueError, got ${String(error)}`);
  return error;
}

function verdictOf(result: TechniqueResult): Record<string, unknown> {
  const finding = result.findings.find((item) => item.finding_type === 'email_verdict');
  assert.ok(finding);
  return finding.data;
}

function transcriptOf(result: TechniqueResult): string {
  return result.evidence.find((item) => item.name === 'smtp-transcript.txt')?.body.toString('latin1') ?? '';
}

/** A loopback server that runs `script` on each connection, for replies the SMTP fixture cannot misbehave with. */
async function startScriptedServer(script: (socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    script(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('email_verify against the DNS and SMTP fixtures', () => {
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

  async function smtp(options: SmtpServerOptions = {}): Promise<SmtpServer> {
    const server = await startSmtpServer({ mailboxes: ['alice@example.test', 'bob@nomx.test', 'admin@example.test'], ...options });
    closers.push(() => server.close());
    return server;
  }

  function context(smtpPort: number, overrides: Parameters<typeof createTechniqueContext>[0] = {}): TestTechniqueContext {
    return createTechniqueContext({ dnsServers: [dns.address], smtpPort, smtpTimeoutMs: 1000, ...overrides });
  }

  it('calls an existing mailbox deliverable after EHLO, MAIL FROM, RCPT TO and QUIT, never DATA', async () => {
    const server = await smtp();
    const ctx = context(server.port);
    const asked = dns.queries.length;
    const result = await emailVerify(email('alice@example.test'), probe, ctx);

    assert.equal(result.summary.verdict, 'deliverable');
    // The MX host is resolved once, by the guard, and the probe connects to what it checked.
    assert.deepEqual(dns.queries.slice(asked).map((query) => `${query.name} ${query.type}`).sort(), [
      'example.test MX',
      'mx.example.test A',
      'mx.example.test AAAA',
    ]);
    assert.deepEqual(verdictOf(result), {
      verdict: 'deliverable',
      reasons: ['mailbox_accepted'],
      mx: ['mx.example.test'],
      disposable: false,
      role: false,
      catch_all: false,
      smtp: { outcome: 'accepted', mx_host: 'mx.example.test', reply: '250 2.1.5 Recipient OK' },
    });
    assert.deepEqual(
      server.transcript.map((entry) => entry.command.split(/[ :]/)[0]),
      ['EHLO', 'MAIL', 'RCPT', 'RCPT', 'QUIT'],
    );
    assert.equal(server.transcript[0]?.command, 'EHLO probe.osint-platform.test');
    assert.equal(server.transcript[1]?.command, 'MAIL FROM:<probe@osint-platform.test>');
    assert.ok(server.transcript.every((entry) => !/^(DATA|BDAT)/i.test(entry.command)));
    assert.deepEqual(ctx.domainSlots, [{ kind: 'smtp', domain: 'mx.example.test' }]);

    const mxFinding = result.findings.find((finding) => finding.finding_type === 'mx_record');
    assert.deepEqual(mxFinding, {
      finding_type: 'mx_record',
      subject: 'example.test',
      data: { exchange: 'mx.example.test', priority: 10 },
      stable_data: { exchange: 'mx.example.test', priority: 10 },
    });
    assert.deepEqual(result.findings[0]?.stable_data, { verdict: 'deliverable' });
    assert.equal(result.findings[0]?.subject, 'alice@example.test');
  });

  it('keeps the SMTP transcript and the DNS answers as evidence', async () => {
    const server = await smtp();
    const result = await emailVerify(email('alice@example.test'), probe, context(server.port));

    const transcript = transcriptOf(result);
    assert.match(transcript, /^\* connecting to 127\.0\.0\.1 port \d+\n\* connected\nS: 220 mx\.fixture\.test ESMTP Fixture\r\nC: EHLO /);
    assert.match(transcript, /S: 250-mx\.fixture\.test\r\nS: 250-SIZE 35882577\r\n/);
    assert.match(transcript, /C: RCPT TO:<alice@example\.test>\r\nS: 250 2\.1\.5 Recipient OK\r\n/);
    assert.match(transcript, /C: QUIT\r\n/);
    const dnsEvidence = JSON.parse(result.evidence.find((item) => item.name === 'dns-answers.json')?.body.toString() ?? '{}') as {
      queries: Array<{ query: string; answer: unknown }>;
    };
    assert.deepEqual(dnsEvidence.queries[0], { query: 'MX example.test', answer: [{ exchange: 'mx.example.test', priority: 10 }] });
  });

  it('calls a mailbox the server rejects undeliverable', async () => {
    const server = await smtp();
    const result = await emailVerify(email('nobody@example.test'), probe, context(server.port));

    assert.equal(result.summary.verdict, 'undeliverable');
    assert.deepEqual(verdictOf(result).reasons, ['mailbox_rejected']);
    assert.equal((verdictOf(result).smtp as { reply: string }).reply, '550 5.1.1 User unknown');
    assert.equal(server.transcript.filter((entry) => entry.command.startsWith('RCPT')).length, 1);
  });

  it('detects a catch-all server with a random recipient and calls the address risky', async () => {
    const server = await smtp({ catchAll: true });
    const result = await emailVerify(email('whoever@example.test'), { smtp_probe: true, catch_all_test: true }, context(server.port));

    assert.equal(result.summary.verdict, 'risky');
    assert.equal(verdictOf(result).catch_all, true);
    assert.deepEqual(verdictOf(result).reasons, ['catch_all', 'mailbox_accepted']);
    const random = server.transcript.filter((entry) => entry.command.startsWith('RCPT'))[1];
    assert.match(random?.command ?? '', /^RCPT TO:<verify-[0-9a-f]{12}@example\.test>$/);
  });

  it('skips the catch-all test when asked to', async () => {
    const server = await smtp({ catchAll: true });
    const result = await emailVerify(email('whoever@example.test'), { smtp_probe: true, catch_all_test: false }, context(server.port));

    assert.equal(result.summary.verdict, 'deliverable');
    assert.equal(verdictOf(result).catch_all, null);
    assert.equal(server.transcript.filter((entry) => entry.command.startsWith('RCPT')).length, 1);
  });

  it('falls back to the address record when the domain has no MX', async () => {
    const server = await smtp();
    const result = await emailVerify(email('bob@nomx.test'), probe, context(server.port));

    assert.equal(result.summary.verdict, 'deliverable');
    assert.deepEqual(verdictOf(result).reasons, ['no_mx_using_address_record', 'mailbox_accepted']);
    assert.deepEqual(verdictOf(result).mx, ['nomx.test']);
    assert.equal(result.findings.filter((finding) => finding.finding_type === 'mx_record').length, 0);
  });

  it('tries the next MX when the preferred one has no address', async () => {
    const server = await smtp();
    const ctx = context(server.port);
    const result = await emailVerify(email('alice@backup.test'), { smtp_probe: true, catch_all_test: false }, ctx);

    assert.equal((verdictOf(result).smtp as { mx_host: string }).mx_host, 'mx.example.test');
    assert.deepEqual(ctx.domainSlots.map((slot) => slot.domain), ['noaddress.backup.test', 'mx.example.test']);
    assert.match(transcriptOf(result), /noaddress\.backup\.test: noaddress\.backup\.test has no A or AAAA record/);
  });

  it('calls a domain that does not exist, one without mail and a null MX undeliverable', async () => {
    const server = await smtp();
    for (const [address, reason] of [
      ['alice@missing.test', 'domain_not_found'],
      ['alice@nomail.test', 'no_mail_server'],
      ['alice@nullmx.test', 'null_mx'],
    ] as const) {
      const result = await emailVerify(email(address), probe, context(server.port));
      assert.equal(result.summary.verdict, 'undeliverable', address);
      assert.deepEqual(verdictOf(result).reasons, [reason]);
    }
    assert.equal(server.transcript.length, 0);
  });

  it('calls an invalid address undeliverable with the reason, without any network', async () => {
    const ctx = context(1);
    const result = await emailVerify(email('al ice@example.test'), probe, ctx);

    assert.equal(result.summary.verdict, 'undeliverable');
    assert.deepEqual(verdictOf(result).reasons, ['invalid_syntax']);
    assert.match(String(verdictOf(result).syntax_problem), /characters not allowed/);
    assert.equal(result.evidence.length, 0);
  });

  it('refuses a target that is not an address at all as a permanent failure', async () => {
    const error = await rejection(emailVerify(email('not-an-address'), probe, context(1)));
    assert.equal(error.failureClass, 'permanent');
    assert.equal(error.code, 'invalid_target');
    const wrongType = await rejection(emailVerify({ type: 'domain', value: 'example.test' }, probe, context(1)));
    assert.equal(wrongType.code, 'not_applicable');
  });

  it('calls disposable and role addresses risky without probing unless asked', async () => {
    const server = await smtp();
    const disposable = await emailVerify(email('someone@mailinator.com'), {}, context(server.port));
    assert.equal(disposable.summary.verdict, 'risky');
    assert.deepEqual(verdictOf(disposable).reasons, ['disposable_domain', 'smtp_not_probed']);
    assert.equal(verdictOf(disposable).disposable, true);

    const role = await emailVerify(email('admin@example.test'), probe, context(server.port));
    assert.equal(role.summary.verdict, 'risky');
    assert.deepEqual(verdictOf(role).reasons, ['role_account', 'mailbox_accepted']);
    assert.equal(server.transcript.filter((entry) => entry.command.startsWith('RCPT')).length, 2);
  });

  it('answers unknown, not undeliverable, when the SMTP port refuses connections', async () => {
    const result = await emailVerify(email('alice@example.test'), probe, context(await findClosedPort()));

    assert.equal(result.summary.verdict, 'unknown');
    assert.deepEqual(verdictOf(result).reasons, ['smtp_unreachable']);
    assert.match(transcriptOf(result), /connection failed: ECONNREFUSED/);
  });

  it('answers unknown when the server refuses service or our sender', async () => {
    const closed = await smtp({ greeting: '554 5.3.2 No service for you' });
    const noService = await emailVerify(email('alice@example.test'), probe, context(closed.port));
    assert.equal(noService.summary.verdict, 'unknown');
    assert.deepEqual(verdictOf(noService).reasons, ['smtp_no_service']);

    const picky = await smtp({ mailFromReply: '550 5.7.1 Sender rejected' });
    const policy = await emailVerify(email('alice@example.test'), probe, context(picky.port));
    assert.deepEqual(verdictOf(policy).reasons, ['smtp_policy_rejection']);
  });

  it('fails as retryable when the server greylists the recipient, and succeeds on the retry', async () => {
    const server = await smtp({ greylistAttempts: 1 });
    const error = await rejection(emailVerify(email('alice@example.test'), probe, context(server.port)));
    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'smtp_greylisted');
    assert.ok(server.transcript.some((entry) => entry.command === 'QUIT'), 'says QUIT before leaving');

    // The catch-all test's random recipient is new, so greylisted in turn: see "when an SMTP answer says nothing about the mailbox" below.
    const retry = await emailVerify(email('alice@example.test'), probe, context(server.port));
    assert.equal(retry.summary.smtp, 'accepted');
  });

  it('fails as retryable when DNS times out or answers SERVFAIL', async () => {
    const silent = await startDnsServer({ zone, dropFirst: 1000 });
    const failing = await startDnsServer({ zone, servfail: true });
    closers.push(() => silent.close(), () => failing.close());

    const timeout = await rejection(emailVerify(email('alice@example.test'), probe, context(1, { dnsServers: [silent.address], dnsTimeoutMs: 100, dnsTries: 1 })));
    assert.equal(timeout.failureClass, 'transient');
    assert.equal(timeout.code, 'dns_timeout');
    const servfail = await rejection(emailVerify(email('alice@example.test'), probe, context(1, { dnsServers: [failing.address] })));
    assert.equal(servfail.failureClass, 'transient');
    assert.equal(servfail.code, 'dns_servfail');
  });

  for (const [domain, address] of [
    ['private.test', '10.0.0.1'],
    ['metadata.test', '169.254.169.254'],
    ['loopback2.test', '127.0.0.2'],
  ] as const) {
    it(`refuses, as a permanent failure, an MX that resolves to ${address}`, async () => {
      const server = await smtp();
      const error = await rejection(emailVerify(email(`alice@${domain}`), probe, context(server.port)));

      assert.equal(error.failureClass, 'permanent');
      assert.equal(error.code, 'guard_refused');
      assert.match(error.message, new RegExp(address.replace(/\./g, '\\.')));
    });
  }

  it('looks up MX without touching SMTP when the probe is off, even for a private MX', async () => {
    const result = await emailVerify(email('alice@private.test'), {}, context(1));
    assert.equal(result.summary.verdict, 'unknown');
    assert.deepEqual(verdictOf(result).mx, ['mx.private.test']);
  });

  it('answers unknown when the server never completes its greeting (slow-loris)', async () => {
    const server = await startScriptedServer((socket) => {
      const bytes = Buffer.from('220 slow.example.test ESMTP\r\n');
      let index = 0;
      const timer = setInterval(() => (index < bytes.length && !socket.destroyed ? socket.write(bytes.subarray(index, ++index)) : clearInterval(timer)), 50);
      socket.on('close', () => clearInterval(timer));
    });
    closers.push(() => server.close());
    const started = Date.now();
    const result = await emailVerify(email('alice@example.test'), probe, context(server.port, { smtpTimeoutMs: 300 }));

    assert.equal(result.summary.verdict, 'unknown');
    assert.deepEqual(verdictOf(result).reasons, ['smtp_unreachable']);
    assert.ok(Date.now() - started < 2000);
    assert.match(transcriptOf(result), /S: 220.*\n\* no complete reply within 300 ms/);
  });

  it('fails as retryable when the server stalls after greeting', async () => {
    const server = await startScriptedServer((socket) => {
      socket.write('220 stall.example.test ESMTP\r\n');
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString().startsWith('EHLO')) socket.write('250 stall.example.test\r\n');
        if (chunk.toString().startsWith('MAIL')) socket.write('25');
      });
    });
    closers.push(() => server.close());
    const error = await rejection(emailVerify(email('alice@example.test'), probe, context(server.port, { smtpTimeoutMs: 200 })));

    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'smtp_timeout');
  });

  it('fails as retryable when the server hangs up mid-reply', async () => {
    const server = await startScriptedServer((socket) => {
      socket.write('220 cut.example.test ESMTP\r\n');
      socket.on('data', () => socket.end('250-cut.example.test\r\n250-SIZE'));
    });
    closers.push(() => server.close());
    const error = await rejection(emailVerify(email('alice@example.test'), probe, context(server.port)));

    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'smtp_connection_lost');
  });

  it('answers unknown with a protocol error when the server sends garbage', async () => {
    const server = await startScriptedServer((socket) => {
      socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    closers.push(() => server.close());
    const result = await emailVerify(email('alice@example.test'), probe, context(server.port));

    assert.equal(result.summary.verdict, 'unknown');
    assert.deepEqual(verdictOf(result).reasons, ['smtp_protocol_error']);
    assert.match(transcriptOf(result), /S: HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('stops and rejects with the abort reason when cancelled mid-session', async () => {
    const server = await startScriptedServer(() => undefined);
    closers.push(() => server.close());
    const ctx = context(server.port, { smtpTimeoutMs: 5000 });
    const verifying = emailVerify(email('alice@example.test'), probe, ctx);
    setTimeout(() => ctx.controller.abort(new Error('cancelled by the test')), 100);
    const started = Date.now();

    await assert.rejects(verifying, /cancelled by the test/);
    assert.ok(Date.now() - started < 1000);
  });

  describe('when an SMTP answer says nothing about the mailbox (two mail hosts, 127.0.0.2 preferred)', () => {
    async function mailHosts(preferred: SmtpServerOptions, backup: SmtpServerOptions = {}) {
      const servers = await smtpBesideSmtp({ mailboxes: ['alice@two.test'], ...preferred }, { mailboxes: ['alice@two.test'], ...backup });
      closers.push(() => servers.preferred.close(), () => servers.backup.close());
      return servers;
    }

    const bothHosts = (port: number) => context(port, { scanAllowedCidrs: ['127.0.0.1/32', '127.0.0.2/32'] });

    it('answers unknown, naming the sender, when the server refuses our sender at RCPT TO with 5.1.8', async () => {
      const { preferred } = await mailHosts({ rcptReply: '550 5.1.8 <probe@osint-platform.test>: Sender address rejected: Domain not found' });
      const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, bothHosts(preferred.port));

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
      const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, bothHosts(preferred.port));

      assert.equal(result.summary.verdict, 'unknown');
      assert.deepEqual(verdictOf(result).reasons, ['smtp_sender_rejected']);
      assert.deepEqual(verdictOf(result).smtp, { outcome: 'sender_rejected', mx_host: 'mx1.two.test', reply });
    });

    it('calls the mailbox risky, not deliverable, when the catch-all test is greylisted', async () => {
      const { preferred } = await mailHosts({ greylistAttempts: 1 });
      const ctx = bothHosts(preferred.port);
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
      const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, bothHosts(preferred.port));

      assert.equal(result.summary.verdict, 'deliverable');
      assert.equal((verdictOf(result).smtp as { mx_host: string }).mx_host, 'mx2.two.test');
      assert.ok(preferred.transcript.every((entry) => entry.command === 'QUIT'));
      assert.equal(backup.transcript.filter((entry) => entry.command.startsWith('RCPT')).length, 2);
      const transcript = result.evidence.find((item) => item.name === 'smtp-transcript.txt')?.body.toString('latin1') ?? '';
      assert.match(transcript, /\* mx1\.two\.test \(127\.0\.0\.2\) deferred: the mail server answered the connection with 421 4\.3\.2/);
    });

    it('tries the next mail host when the preferred one answers MAIL FROM with 421', async () => {
      const { preferred } = await mailHosts({ mailFromReply: '421 4.7.0 Too many connections, closing transmission channel' });
      const result = await emailVerify(email('alice@two.test'), { smtp_probe: true }, bothHosts(preferred.port));

      assert.equal(result.summary.verdict, 'deliverable');
      assert.equal((verdictOf(result).smtp as { mx_host: string }).mx_host, 'mx2.two.test');
    });

    it('fails as retryable only when every mail host defers', async () => {
      const busy = { greeting: '421 4.3.2 Service not available' };
      const { preferred, backup } = await mailHosts(busy, busy);
      const error = await rejection(emailVerify(email('alice@two.test'), { smtp_probe: true }, bothHosts(preferred.port)));

      assert.equal(error.failureClass, 'transient');
      assert.equal(error.code, 'smtp_temporary_failure');
      assert.ok(preferred.transcript.length > 0 && backup.transcript.length > 0, 'both hosts were tried');
    });
  });
});
