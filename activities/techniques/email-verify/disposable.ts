/**
 * Disposable (throwaway) mail domains, from the `disposable-email-domains` package (pinned):
 * its main list, and its wildcard list of services that hand out subdomains. A subdomain of a
 * listed domain counts as listed.
 */
import domains from 'disposable-email-domains';
import wildcards from 'disposable-email-domains/wildcard';

let listed: Set<string> | undefined;

/** True when `domain` or a parent of it is a known disposable mail domain. */
export function isDisposableDomain(domain: string): boolean {
  listed ??= new Set([...domains, ...wildcards].map((name) => name.toLowerCase()));
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  for (let index = 0; index < labels.length - 1; index += 1) {
    if (listed.has(labels.slice(index).join('.'))) return true;
  }
  return false;
}
