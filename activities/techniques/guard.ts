/**
 * The scanning guard: the one place that resolves a target for a connection and refuses it
 * when any address is private, loopback, link-local, multicast, CGNAT, reserved or a cloud
 * metadata address, unless a configured CIDR allows it. Callers connect to the addresses it
 * returns and never resolve the name again, so DNS rebinding has no window.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { refusalReason } from '../../core/address-policy';
import { permanentError, transientError, type TechniqueNetwork } from './types';

/** Throws a permanent "guard_refused" failure unless every address may be contacted. */
export function assertAddressesAllowed(host: string, addresses: readonly string[], allowedCidrs: readonly string[]): void {
  for (const address of addresses) {
    const reason = refusalReason(address, allowedCidrs);
    if (reason) throw permanentError('guard_refused', `refused to contact ${host}: ${address} ${reason}`);
  }
}

/** A resolver on the configured servers only (never the system's), with timeout and tries. */
export function createResolver(network: Pick<TechniqueNetwork, 'dnsServers' | 'dnsTimeoutMs' | 'dnsTries'>): Resolver {
  const resolver = new Resolver({ timeout: network.dnsTimeoutMs, tries: network.dnsTries });
  resolver.setServers([...network.dnsServers]);
  return resolver;
}

/**
 * Resolves `host` (A and AAAA) through the configured resolvers and checks every address.
 * An IP literal is checked as it is. Returns the checked addresses, the only ones to connect to.
 */
export async function resolveForConnection(host: string, network: TechniqueNetwork, signal?: AbortSignal): Promise<string[]> {
  if (isIP(host)) {
    assertAddressesAllowed(host, [host], network.scanAllowedCidrs);
    return [host];
  }
  const resolver = createResolver(network);
  const onAbort = () => resolver.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const results = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    if (addresses.length === 0) {
      const codes = results.map((result) => (result.status === 'rejected' ? (result.reason as { code?: string }).code : 'NODATA'));
      if (codes.every((code) => code === 'ENOTFOUND' || code === 'NODATA' || code === 'ENODATA')) {
        throw permanentError('no_address', `${host} has no A or AAAA record`);
      }
      throw transientError('dns_failed', `could not resolve ${host} (${codes.join(', ')})`);
    }
    assertAddressesAllowed(host, addresses, network.scanAllowedCidrs);
    return addresses;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
