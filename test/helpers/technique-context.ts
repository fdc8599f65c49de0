/**
 * A TechniqueContext for tests: network settings that point at loopback fixtures (the guard
 * lets 127.0.0.1/32 through and nothing else), an AbortController to cancel with, the recorded
 * heartbeats and domain-slot requests, and a politeness limiter that never waits.
 */
import type { TechniqueContext, TechniqueNetwork } from '../../activities/techniques/types';

/** A context whose effects a test can inspect. */
export interface TestTechniqueContext extends TechniqueContext {
  readonly controller: AbortController;
  /** Every heartbeat, in order, with the time it was sent (ms since the context was built). */
  readonly heartbeats: Array<{ at: number; progress?: Record<string, unknown> }>;
  /** Every waitForDomainSlot call, in order. */
  readonly domainSlots: Array<{ kind: 'whois' | 'smtp'; domain: string }>;
}

/**
 * Network settings for tests: no fixture is assumed, so a test passes `dnsServers` (and the
 * SMTP port, WHOIS server) of the fixtures it started. Timeouts are short so failures are quick.
 */
export function testNetwork(overrides: Partial<TechniqueNetwork> = {}): TechniqueNetwork {
  return {
    dnsServers: ['127.0.0.1:53'],
    dnsTimeoutMs: 500,
    dnsTries: 2,
    whoisServer: '127.0.0.1:43',
    whoisServerMap: {},
    whoisTimeoutMs: 2000,
    rdapEnabled: false,
    smtpPort: 25,
    smtpHeloName: 'probe.osint-platform.test',
    smtpMailFrom: 'probe@osint-platform.test',
    smtpTimeoutMs: 2000,
    portScanConcurrency: 500,
    portScanTimeoutMs: 1000,
    scanAllowedCidrs: ['127.0.0.1/32'],
    ...overrides,
  };
}

/** Builds a context on `testNetwork(overrides)`. */
export function createTechniqueContext(overrides: Partial<TechniqueNetwork> = {}): TestTechniqueContext {
  const controller = new AbortController();
  const started = Date.now();
  const heartbeats: TestTechniqueContext['heartbeats'] = [];
  const domainSlots: TestTechniqueContext['domainSlots'] = [];
  return {
    network: testNetwork(overrides),
    signal: controller.signal,
    controller,
    heartbeats,
    domainSlots,
    heartbeat(progress) {
      heartbeats.push(progress === undefined ? { at: Date.now() - started } : { at: Date.now() - started, progress });
    },
    waitForDomainSlot(kind, domain) {
      domainSlots.push({ kind, domain });
      return Promise.resolve();
    },
  };
}
