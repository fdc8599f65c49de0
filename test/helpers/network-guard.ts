/**
 * Loopback-only network guard for tests.
 *
 * Once installed, every attempt to reach an address outside 127.0.0.0/8 and ::1 — or to resolve
 * a hostname other than `localhost` — is refused before a packet leaves and recorded as a
 * violation, so the root hooks can fail the test that tried. Only JavaScript entry points are
 * patched: native code (the Temporal core, child processes) and worker threads are not covered.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

/** Thrown (or passed to the callback, or rejected) when the guard refuses a network operation. */
export class NetworkGuardError extends Error {
  readonly code = 'ERR_NETWORK_GUARD';

  constructor(readonly target: string) {
    super(`network guard refused ${target}: tests may only reach 127.0.0.0/8, ::1 and localhost`);
    this.name = 'NetworkGuardError';
  }
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
interface Patch {
  target: Record<string, unknown>;
  key: string;
  descriptor: PropertyDescriptor | undefined;
  wrapper: AnyFunction;
}

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

let active = false;
const patches: Patch[] = [];
const violations: string[] = [];
// Resolvers whose servers a test chose; a fresh Resolver copies the system servers, which
// may themselves be loopback (systemd-resolved) yet forward to the internet.
const explicitServers = new WeakSet<object>();

/** Whether an IP literal is loopback; hostnames and malformed input are not. */
export function isLoopbackAddress(address: string): boolean {
  const family = net.isIP(address);
  return family !== 0 && loopback.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function isAllowedHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

function refuse(target: string): NetworkGuardError {
  const error = new NetworkGuardError(target);
  violations.push(error.message);
  return error;
}

function failCallback(args: unknown[], error: NetworkGuardError): void {
  const callback = args[args.length - 1];
  if (typeof callback !== 'function') throw error;
  process.nextTick(callback as AnyFunction, error);
}

/** Replaces target[key]; the wrapper must pass through while the guard is inactive. */
function patch(target: object, key: string, wrap: (original: AnyFunction) => AnyFunction): void {
  const record = target as Record<string, unknown>;
  const original = record[key];
  if (typeof original !== 'function') return;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  const wrapper = wrap(original as AnyFunction);
  Object.defineProperty(target, key, {
    value: wrapper,
    writable: true,
    configurable: true,
    enumerable: descriptor?.enumerable ?? false,
  });
  patches.push({ target: record, key, descriptor, wrapper });
}

/** Mirrors net's normalizeArgs: returns the refused target, or undefined when allowed. */
function refusedSocketTarget(args: unknown[]): string | undefined {
  const first = args[0];
  // net.connect hands the prototype an already normalized [options, callback] array.
  const options = (Array.isArray(first) ? first[0] : first) as Record<string, unknown> | null;
  let host: unknown;
  let port: unknown;
  if (typeof options === 'object' && options !== null) {
    if (options.path) return undefined;
    ({ host, port } = options);
  } else if (typeof first === 'string' && !(Number(first) >= 0)) {
    return undefined;
  } else {
    port = first;
    if (typeof args[1] === 'string') host = args[1];
  }
  const name = typeof host === 'string' && host !== '' ? host : 'localhost';
  return isAllowedHost(name) ? undefined : `TCP connect to ${name} port ${String(port)}`;
}

function isConnected(socket: dgram.Socket): boolean {
  try {
    socket.remoteAddress();
    return true;
  } catch {
    return false;
  }
}

/** Mirrors dgram's send argument shuffling for unconnected sockets. */
function refusedUdpSendTarget(socket: dgram.Socket, args: unknown[]): string | undefined {
  if (isConnected(socket)) return undefined;
  const [, offset, length, port, address] = args;
  const explicit = address || (port && typeof port !== 'function');
  const target = explicit ? { port, address } : { port: offset, address: length };
  if (typeof target.address !== 'string' || target.address === '') return undefined;
  if (isAllowedHost(target.address)) return undefined;
  return `UDP send to ${target.address} port ${String(target.port)}`;
}

type Check = (self: unknown, args: unknown[]) => string | undefined;
type Fail = (args: unknown[], error: NetworkGuardError) => unknown;

/** Builds a wrapper that runs `check` while active and fails through `fail` when it refuses. */
function guarded(check: Check, fail: Fail) {
  return (original: AnyFunction): AnyFunction =>
    function guardedCall(this: unknown, ...args: unknown[]) {
      const refused = active ? check(this, args) : undefined;
      return refused ? fail(args, refuse(refused)) : original.apply(this, args);
    };
}

const throwError: Fail = (_args, error) => {
  throw error;
};
const rejectPromise: Fail = (_args, error) => Promise.reject(error);

function patchSockets(): void {
  patch(net.Socket.prototype, 'connect', guarded((_self, args) => refusedSocketTarget(args), throwError));
  patch(dgram.Socket.prototype, 'send', guarded((self, args) => refusedUdpSendTarget(self as dgram.Socket, args), throwError));
  const udpConnect: Check = (_self, [port, address]) =>
    typeof address === 'string' && address !== '' && !isAllowedHost(address)
      ? `UDP connect to ${address} port ${String(port)}`
      : undefined;
  patch(dgram.Socket.prototype, 'connect', guarded(udpConnect, throwError));
  // The libuv TCP handle is where every TCP connect ends up, net.Socket's and the port scanner's
  // direct use of the handle alike, with the address already resolved.
  const handles = tcpHandlePrototype();
  if (handles) {
    const tcpConnect: Check = (_self, [, address, port]) =>
      typeof address === 'string' && !isAllowedHost(address) ? `TCP connect to ${address} port ${String(port)}` : undefined;
    patch(handles, 'connect', guarded(tcpConnect, throwError));
    patch(handles, 'connect6', guarded(tcpConnect, throwError));
  }
}

function tcpHandlePrototype(): object | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): { TCP?: { prototype: object } } }).binding('tcp_wrap');
    return binding.TCP?.prototype;
  } catch {
    return undefined;
  }
}

function serverHost(server: string): string {
  if (server.startsWith('[')) return server.slice(1, server.indexOf(']'));
  const parts = server.split(':');
  return parts.length === 2 ? (parts[0] as string) : server;
}

function resolverKeys(target: object): string[] {
  return Object.keys(target).filter((key) => key.startsWith('resolve') || key === 'reverse');
}

const lookupCheck: Check = (_self, [host]) =>
  host && !isAllowedHost(String(host)) ? `DNS lookup of ${String(host)}` : undefined;
const lookupServiceCheck: Check = (_self, [address, port]) =>
  `DNS lookupService(${String(address)}, ${String(port)})`;

function resolverCheck(key: string): Check {
  return (self, args) => {
    const resolver = self as dns.Resolver;
    const servers = resolver.getServers();
    const explicit = explicitServers.has(resolver);
    if (explicit && servers.every((server) => isLoopbackAddress(serverHost(server)))) return undefined;
    return `DNS ${key}(${String(args[0])}) via ${explicit ? '' : 'system servers '}${servers.join(', ')}`;
  };
}

function patchDns(): void {
  const promises = dns.promises;
  patch(dns, 'lookup', guarded(lookupCheck, failCallback));
  patch(promises, 'lookup', guarded(lookupCheck, rejectPromise));
  // getnameinfo falls back to DNS for names missing from /etc/hosts, loopback included.
  patch(dns, 'lookupService', guarded(lookupServiceCheck, failCallback));
  patch(promises, 'lookupService', guarded(lookupServiceCheck, rejectPromise));

  const markExplicit = (original: AnyFunction): AnyFunction =>
    function guardedSetServers(this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      explicitServers.add(this as object);
      return result;
    };
  patch(dns.Resolver.prototype, 'setServers', markExplicit);
  patch(promises.Resolver.prototype, 'setServers', markExplicit);

  // dns.setServers rebinds the module-level functions to these prototype methods on a new
  // default resolver, which is then checked like any other.
  for (const key of resolverKeys(dns.Resolver.prototype)) {
    patch(dns.Resolver.prototype, key, guarded(resolverCheck(key), failCallback));
  }
  for (const key of resolverKeys(promises.Resolver.prototype)) {
    patch(promises.Resolver.prototype, key, guarded(resolverCheck(key), rejectPromise));
  }

  // Before any dns.setServers, the module-level functions are bound to the system resolver.
  const systemCheck = (key: string): Check => (_self, args) =>
    `DNS ${key}(${String(args[0])}) via system servers ${dns.getServers().join(', ')}`;
  for (const key of resolverKeys(dns)) patch(dns, key, guarded(systemCheck(key), failCallback));
  for (const key of resolverKeys(promises)) patch(promises, key, guarded(systemCheck(key), rejectPromise));
}

/** Patches net, dgram and dns so only loopback is reachable; installing twice is a no-op. */
export function installNetworkGuard(): void {
  if (active) return;
  active = true;
  patchSockets();
  patchDns();
  syncBuiltinESMExports();
}

/** Restores the original functions; wrappers that Node itself copied elsewhere pass through. */
export function uninstallNetworkGuard(): void {
  if (!active) return;
  active = false;
  for (const { target, key, descriptor, wrapper } of patches.reverse()) {
    if (target[key] !== wrapper) continue;
    if (descriptor) Object.defineProperty(target, key, descriptor);
    else delete target[key];
  }
  patches.length = 0;
  syncBuiltinESMExports();
}

/** Whether the guard is currently installed. */
export function isNetworkGuardInstalled(): boolean {
  return active;
}

/** Returns the violations recorded since the last call, and forgets them. */
export function takeNetworkViolations(): string[] {
  return violations.splice(0, violations.length);
}
