/**
 * port_scan: a TCP connect scan of a domain's address. The domain is resolved once, by the
 * scanning guard, and the scan connects to the address the guard checked (the first IPv4 one,
 * as nmap does, else the first IPv6 one); it never resolves the name again.
 */
import net from 'node:net';
import type { TechniqueParams } from '../../../core/domain/techniques';
import { resolveForConnection } from '../guard';
import { permanentError, type Technique, type TechniqueFinding } from '../types';
import { bannerText, grabBanners } from './banner';
import type { EngineName } from './connectors';
import { scanPortsInParallel } from './parallel-scan';
import { compactPorts, portsToScan } from './ports';
import { socketBudget } from './socket-budget';

/** port_scan's parameters, as the API validated them. */
export type PortScanParams = TechniqueParams<'port_scan'>;

/** Bytes kept of a banner. */
const BANNER_BYTES = 512;

/** Test seams: the probe engine (the fastest available by default) and the thread count. */
export interface PortScanOptions {
  readonly engine?: EngineName;
  readonly threads?: number;
}

/** Builds the technique; `portScan` below is the default build. */
export function createPortScan(options: PortScanOptions = {}): Technique<PortScanParams> {
  return async (target, params, context) => {
    if (target.type !== 'domain') throw permanentError('not_applicable', `port_scan applies to domains, not ${target.type} targets`);
    const host = target.value.toLowerCase().replace(/\.$/, '');
    const ports = portsToScan(params);
    const concurrency = Math.min(params.concurrency ?? context.network.portScanConcurrency, socketBudget());
    const timeoutMs = params.timeout_ms ?? context.network.portScanTimeoutMs;
    context.heartbeat({ stage: 'resolving', host });

    const addresses = await resolveForConnection(host, context.network, context.signal);
    const address = addresses.find((candidate) => net.isIPv4(candidate)) ?? (addresses[0] as string);
    const startedAt = new Date().toISOString();
    const report = await scanPortsInParallel({
      address,
      ports,
      concurrency,
      timeoutMs,
      signal: context.signal,
      engine: options.engine,
      threads: options.threads,
      onProgress: (progress) => context.heartbeat({ stage: 'scanning', ...progress }),
    });

    let banners = new Map<number, Buffer>();
    if (params.banner_grab && report.open.length > 0) {
      // The scan's final counts stay in the progress beside the banners'.
      const scanned = { ports_done: ports.length, ports_total: ports.length, open: report.open.length };
      context.heartbeat({ stage: 'banners', ...scanned, banners_done: 0, banners_total: report.open.length, banners_found: 0 });
      const waitMs = Math.min(Math.max(timeoutMs, 500), 3000);
      banners = await grabBanners(address, report.open, {
        waitMs,
        maxBytes: BANNER_BYTES,
        signal: context.signal,
        onProgress: (progress) => context.heartbeat({ stage: 'banners', ...scanned, ...progress }),
      });
    }
    context.signal.throwIfAborted();

    const findings: TechniqueFinding[] = report.open.map((port) => {
      const banner = banners.get(port);
      return {
        finding_type: 'open_port',
        subject: `${host}:${port}`,
        data: { port, address, ...(banner ? { banner: bannerText(banner) } : {}) },
        stable_data: { port },
      };
    });
    const evidence = {
      host,
      address,
      not_scanned_addresses: addresses.filter((candidate) => candidate !== address),
      ports: compactPorts(ports),
      ports_total: ports.length,
      engine: report.engine,
      threads: report.threads,
      concurrency: report.concurrency,
      timeout_ms: timeoutMs,
      started_at: startedAt,
      duration_ms: Math.round(report.durationMs),
      open: report.open.map((port) => {
        const banner = banners.get(port);
        return banner ? { port, banner_base64: banner.toString('base64') } : { port };
      }),
      closed: report.closed,
      filtered: report.filtered,
      failed: report.failed,
      self_connects: report.selfConnects,
    };
    return {
      evidence: [{ name: 'port-scan.json', contentType: 'application/json', body: Buffer.from(JSON.stringify(evidence, null, 2)) }],
      findings,
      summary: {
        host,
        address,
        ports_total: ports.length,
        open: report.open.length,
        open_ports: report.open.slice(0, 100),
        closed: report.closed,
        filtered: report.filtered,
        failed: report.failed,
        duration_ms: Math.round(report.durationMs),
      },
    };
  };
}

/** TCP connect scan with the fastest probe engine available. */
export const portScan: Technique<PortScanParams> = createPortScan();
