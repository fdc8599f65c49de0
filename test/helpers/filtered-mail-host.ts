/**
 * A mail host behind a firewall beside one that answers: a filtered port on 127.0.0.2 (its
 * connects never complete) and the SMTP fixture on 127.0.0.1, on the same port number, since
 * the SMTP probe has one port setting. Retries when that port is taken on 127.0.0.1.
 */
import { startFilteredPorts, type FilteredPorts } from '../fixture-servers/filtered-ports';
import { startSmtpServer, type SmtpServer } from '../fixture-servers/smtp-server';

export async function filteredBesideSmtp(mailboxes: string[]): Promise<{ filtered: FilteredPorts; smtp: SmtpServer }> {
  for (let tries = 1; ; tries += 1) {
    const filtered = await startFilteredPorts({ count: 1, host: '127.0.0.2' });
    try {
      return { filtered, smtp: await startSmtpServer({ mailboxes, host: '127.0.0.1', port: filtered.ports[0] }) };
    } catch (error) {
      await filtered.close();
      if (tries === 5) throw error;
    }
  }
}
