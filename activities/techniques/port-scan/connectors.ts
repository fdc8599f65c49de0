/**
 * How one TCP connect probe is made. Two engines behind one interface:
 *
 * - `tcp_wrap` drives libuv TCP handles directly (node's internal binding, what net.Socket is
 *   built on). A probe is a handle and a connect request, nothing more: no stream, no events,
 *   no Error with a stack trace for every refused port. That cuts the CPU per probe about
 *   fivefold, which is what lets a 65,535-port scan keep pace with nmap.
 * - `net` uses the public net.Socket, and is used wherever the binding is missing.
 *
 * Both report a connection to ourselves (TCP simultaneous open onto our own ephemeral port:
 * local address and port equal the remote ones) as closed, and close open connections with a
 * reset so a scan leaves no TIME_WAIT behind.
 */
import net from 'node:net';
import { getSystemErrorName } from 'node:util';

/** What a probe found. `retry`: this machine ran short (descriptors, ephemeral ports); try again. */
export type ProbeOutcome = 'open' | 'closed' | 'filtered' | 'retry';

/** One probe in flight; the engine keeps its own state in `state`. */
export interface ProbeEntry {
  readonly port: number;
  readonly deadline: number;
  settled: boolean;
  state: unknown;
}

/** Called once per started probe, unless the probe was cancelled first. */
export type ReportOutcome = (entry: ProbeEntry, outcome: ProbeOutcome, code?: string) => void;

/** The engines by name, for worker threads (a factory cannot cross a thread boundary). */
export type EngineName = 'tcp_wrap' | 'net';

/** Starts and cancels probes against one address. */
export interface Connector {
  readonly engine: EngineName;
  start(entry: ProbeEntry): void;
  /** Abandons the probe and frees its socket; its outcome is never reported. */
  cancel(entry: ProbeEntry): void;
}

/** Builds a connector for one address, reporting outcomes through `report`. */
export type ConnectorFactory = (address: string, report: ReportOutcome) => Connector;

const RETRY_CODES = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EAGAIN', 'ENOMEM']);
const CLOSED_CODES = new Set(['ECONNREFUSED', 'ECONNRESET']);

/** Maps a connect error code to an outcome: refused is closed, exhaustion is retried, the rest filtered. */
export function outcomeOfError(code: string | undefined): ProbeOutcome {
  if (code && CLOSED_CODES.has(code)) return 'closed';
  if (code && RETRY_CODES.has(code)) return 'retry';
  return 'filtered';
}

interface TcpHandle {
  connect(request: ConnectRequest, address: string, port: number): number;
  connect6(request: ConnectRequest, address: string, port: number): number;
  getsockname(out: { address?: string; port?: number }): number;
  reset?(callback: () => void): number;
  close(): void;
}
interface ConnectRequest {
  oncomplete: (status: number, handle: TcpHandle, request: ConnectRequest) => void;
  entry: ProbeEntry;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectRequest;
  constants: { SOCKET: number };
}

/** The internal binding, when this Node has it in the expected shape. */
function loadTcpWrap(): TcpWrapBinding | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<TcpWrapBinding> }).binding('tcp_wrap');
    if (typeof binding.TCP === 'function' && typeof binding.TCPConnectWrap === 'function' && typeof binding.constants?.SOCKET === 'number') {
      return binding as TcpWrapBinding;
    }
  } catch {
    // Removed or refused (--throw-deprecation with --pending-deprecation): net.Socket it is.
  }
  return undefined;
}

const tcpWrap = loadTcpWrap();
const errorNames = new Map<number, string>();

function errorName(status: number): string {
  let name = errorNames.get(status);
  if (name === undefined) {
    try {
      name = getSystemErrorName(status);
    } catch {
      name = `E${-status}`;
    }
    errorNames.set(status, name);
  }
  return name;
}

function closeWithReset(handle: TcpHandle): void {
  if (typeof handle.reset !== 'function' || handle.reset(() => undefined) !== 0) handle.close();
}

/** The libuv-handle engine; undefined when the binding is not available. */
export const tcpWrapConnector: ConnectorFactory | undefined = tcpWrap
  ? (address, report) => {
      const binding = tcpWrap;
      const ipv6 = net.isIPv6(address);
      const local: { address?: string; port?: number } = {};
      const oncomplete = (status: number, handle: TcpHandle, request: ConnectRequest) => {
        const entry = request.entry;
        // Cancelled (timed out or aborted): the handle is closed already.
        if (entry.settled || entry.state !== handle) return;
        entry.state = undefined;
        if (status !== 0) {
          handle.close();
          const code = errorName(status);
          report(entry, outcomeOfError(code), code);
          return;
        }
        const self = handle.getsockname(local) === 0 && local.port === entry.port && local.address === address;
        closeWithReset(handle);
        report(entry, self ? 'closed' : 'open', self ? 'self_connect' : undefined);
      };
      return {
        engine: 'tcp_wrap',
        start(entry) {
          const handle = new binding.TCP(binding.constants.SOCKET);
          const request = new binding.TCPConnectWrap();
          request.oncomplete = oncomplete;
          request.entry = entry;
          entry.state = handle;
          const status = ipv6 ? handle.connect6(request, address, entry.port) : handle.connect(request, address, entry.port);
          if (status !== 0) {
            entry.state = undefined;
            handle.close();
            const code = errorName(status);
            report(entry, outcomeOfError(code), code);
          }
        },
        cancel(entry) {
          const handle = entry.state as TcpHandle | undefined;
          entry.state = undefined;
          handle?.close();
        },
      };
    }
  : undefined;

/** The portable engine on net.Socket. */
export const netConnector: ConnectorFactory = (address, report) => ({
  engine: 'net',
  start(entry) {
    const socket = new net.Socket();
    entry.state = socket;
    socket.once('connect', () => {
      if (entry.state !== socket) return;
      entry.state = undefined;
      const self = socket.localPort === entry.port && socket.localAddress === address;
      socket.resetAndDestroy();
      report(entry, self ? 'closed' : 'open', self ? 'self_connect' : undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (entry.state !== socket) return;
      entry.state = undefined;
      report(entry, outcomeOfError(error.code), error.code);
    });
    socket.connect(entry.port, address);
  },
  cancel(entry) {
    const socket = entry.state as net.Socket | undefined;
    entry.state = undefined;
    socket?.destroy();
  },
});

/** The fastest engine this Node offers. */
export const defaultEngine: EngineName = tcpWrapConnector ? 'tcp_wrap' : 'net';

/** The named engine, or the portable one when the binding is missing. */
export function connectorFor(engine: EngineName): ConnectorFactory {
  return engine === 'tcp_wrap' && tcpWrapConnector ? tcpWrapConnector : netConnector;
}

/** The fastest engine this Node offers. */
export const defaultConnector: ConnectorFactory = connectorFor(defaultEngine);
