import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../../../test/fixture-servers/dns-server';
import type { FilteredPorts } from '../../../test/fixture-servers/filtered-ports';
import type { SmtpServer } from '../../../test/fixture-servers/smtp-server';
import { FILTERED_MX_ZONE, filteredBesideSmtp } from '../../../test/helpers/paired-mail-hosts';
import { createTechniqueContext, type TestTechniqueContext } from '../../../test/helpers/technique-context';
import { emailVerify } from './index';

const email = (value: string) => ({ type: 'email' as const, value });

describe('the SMTP probe behind a filtered mail host', function () {
  this.timeout(30000);
  let dns: DnsServer;
  let filtered: FilteredPorts;
  let smtp: SmtpServer;

  before(async () => {
    dns = await startDnsServer({ zone: [...FILTERED_MX_ZONE] });
    ({ filtered, smtp } = await filteredBesideSmtp(['alice@filtered.test']));
  });
  after(async () => {
    await Promise.all([dns?.close(), filtered?.close(), smtp?.close()]);
  });
  afterEach(() => {
    dns.script.dropFirst = 0;
  });

  function context(smtpTimeoutMs: number): TestTechniqueContext {
    return createTechniqueContext({
      dnsServers: [dns.address],
      smtpPort: smtp.port,
      smtpTimeoutMs,
      scanAllowedCidrs: ['127.0.0.1/32', '127.0.0.2/32'],
    });
  }

  it('reports each mail host and address it tries, so a filtered one is visible while it waits', async () => {
    const ctx = context(600);
    const result = await emailVerify(email('alice@filtered.test'), { smtp_probe: true }, ctx);

    assert.equal(result.summary.verdict, 'deliverable');
    const probing = ctx.heartbeats.filter((beat) => beat.progress?.stage === 'smtp_probe');
    assert.deepEqual(
      probing.map((beat) => beat.progress),
      [
        { stage: 'smtp_probe', host: 'mx1.filtered.test', host_number: 1, hosts_total: 2 },
        { stage: 'smtp_probe', host: 'mx1.filtered.test', host_number: 1, hosts_total: 2, address: '127.0.0.2', address_number: 1, addresses_total: 1 },
        { stage: 'smtp_probe', host: 'mx2.filtered.test', host_number: 2, hosts_total: 2 },
        { stage: 'smtp_probe', host: 'mx2.filtered.test', host_number: 2, hosts_total: 2, address: '127.0.0.1', address_number: 1, addresses_total: 1 },
      ],
    );
    // The filtered address held the probe for its connect timeout between the two reports.
    const [, onFiltered, nextHost] = probing;
    assert.ok((nextHost?.at ?? 0) - (onFiltered?.at ?? 0) >= 550, JSON.stringify(probing));
  });

  it('stops at once with the abort reason when cancelled while a filtered address holds the connect', async () => {
    const ctx = context(10000);
    const started = Date.now();
    setTimeout(() => ctx.controller.abort(new Error('job cancelled')), 300);
    await assert.rejects(emailVerify(email('alice@filtered.test'), { smtp_probe: true }, ctx), /job cancelled/);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.equal(ctx.heartbeats.at(-1)?.progress?.address, '127.0.0.2');
  });

  it('stops with the abort reason, rather than trying the next host, when cancelled while resolving a mail host', async () => {
    const ctx = context(10000);
    const slot = ctx.waitForDomainSlot.bind(ctx);
    // Once the MX records are in, every address lookup goes unanswered until it is cancelled.
    const hanging: TestTechniqueContext = {
      ...ctx,
      waitForDomainSlot(kind, domain) {
        dns.script.dropFirst = 1_000_000;
        setTimeout(() => ctx.controller.abort(new Error('job cancelled')), 100);
        return slot(kind, domain);
      },
    };
    const started = Date.now();
    await assert.rejects(emailVerify(email('alice@filtered.test'), { smtp_probe: true }, hanging), /job cancelled/);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.deepEqual(ctx.domainSlots.map((request) => request.domain), ['mx1.filtered.test']);
  });
});
