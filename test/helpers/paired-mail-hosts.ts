/**
 * Two mail hosts on one port number, the preferred one on 127.0.0.2 and the backup on
 * 127.0.0.1, since the SMTP probe has one port setting. The port is free on 127.0.0.2 first;
 * when it is taken on 127.0.0.1, both start again elsewhere (five tries).
 */
import type { ZoneRecord } from '../fixture-servers/dns-server';
import { startFilteredPorts, type FilteredPorts } from '../fixture-servers/filtered-ports';
import { startSmtpServer, type SmtpServer, type SmtpServerOptions } from '../fixture-servers/smtp-server';

/**
 * DNS for filteredBesideSmtp: filtered.test's preferred MX sits behind the filter (127.0.0.2
 * drops the SYN), its backup answers (127.0.0.1).
 */
export const FILTERED_MX_ZONE: readonly ZoneRecord[] = [
  { name: 'filtered.test', type: 'MX', data: { preference: 10, exchange: 'mx1.filtered.test' } },
  { name: 'filtered.test', type: 'MX', data: { preference: 20, exchange: 'mx2.filtered.test' } },
  { name: 'mx1.filtered.test', type: 'A', data: '127.0.0.2' },
  { name: 'mx2.filtered.test', type: 'A', data: '127.0.0.1' },
];

/**
 * Starts `preferred` on 127.0.0.2, then `backup` on 127.0.0.1 at the same port number, starting
 * over when that port is taken. Any two servers, not only mail hosts (the WHOIS client's tests too).
 */
export async function onOnePort<P extends { close(): Promise<void> }, B>(preferred: () => Promise<P>, portOf: (server: P) => number, backup: (port: number) => Promise<B>): Promise<{ preferred: P; backup: B }> {
  for (let tries = 1; ; tries += 1) {
    const first = await preferred();
    try {
      return { preferred: first, backup: await backup(portOf(first)) };
    } catch (error) {
      await first.close();
      if (tries === 5) throw error;
    }
  }
}

/** A mail host behind a firewall (its connects never complete) and, behind it, one that answers. */
export async function filteredBesideSmtp(mailboxes: string[]): Promise<{ filtered: FilteredPorts; smtp: SmtpServer }> {
  const { preferred, backup } = await onOnePort(
    () => startFilteredPorts({ count: 1, host: '127.0.0.2' }),
    (filtered) => filtered.ports[0]!,
    (port) => startSmtpServer({ mailboxes, host: '127.0.0.1', port }),
  );
  return { filtered: preferred, smtp: backup };
}

/** Two SMTP fixtures, each with its own options. */
export function smtpBesideSmtp(preferred: SmtpServerOptions, backup: SmtpServerOptions): Promise<{ preferred: SmtpServer; backup: SmtpServer }> {
  return onOnePort(
    () => startSmtpServer({ ...preferred, host: '127.0.0.2' }),
    (server) => server.port,
    (port) => startSmtpServer({ ...backup, host: '127.0.0.1', port }),
  );
}
