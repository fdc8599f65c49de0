/**
 * Which ports a scan covers: explicit ports and "a-b" ranges, a named preset, or both; and the
 * compact "1-1024,8080" form the evidence reports them in.
 */
import { permanentError } from '../types';
import { TOP_100, TOP_1000 } from './presets';

/** A port, or an inclusive range such as "8000-8100". */
export type PortSpec = number | string;

/** The named sets a scan may ask for. */
export type PortPreset = 'top100' | 'top1000' | 'all';

/** Splits nmap's range syntax ("7,9,21-23") into specs. */
export function parsePortList(text: string): PortSpec[] {
  return text.split(',').map((part) => (part.includes('-') ? part.trim() : Number(part)));
}

const PRESETS: Record<PortPreset, () => PortSpec[]> = {
  top100: () => parsePortList(TOP_100),
  top1000: () => parsePortList(TOP_1000),
  all: () => ['1-65535'],
};

/**
 * The ports of `specs`, ascending and without duplicates. Throws a permanent failure for a
 * port or range outside 1–65535 (the API refuses those already; this is the adapter's own check).
 */
export function expandPorts(specs: readonly PortSpec[]): Uint16Array {
  const wanted = new Uint8Array(65536);
  for (const spec of specs) {
    const [low, high] = typeof spec === 'number' ? [spec, spec] : rangeOf(spec);
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || low > high) {
      throw permanentError('invalid_params', `invalid port or range "${spec}" (ports are 1 to 65535)`);
    }
    wanted.fill(1, low, high + 1);
  }
  let count = 0;
  for (let port = 1; port < 65536; port += 1) count += wanted[port] as number;
  const ports = new Uint16Array(count);
  for (let port = 1, index = 0; port < 65536; port += 1) if (wanted[port]) ports[index++] = port;
  return ports;
}

function rangeOf(spec: string): [number, number] {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(spec);
  return match ? [Number(match[1]), Number(match[2])] : [Number.NaN, Number.NaN];
}

/** The ports a scan covers: `ports` and `preset` together, top 100 when neither is given. */
export function portsToScan(params: { ports?: readonly PortSpec[]; preset?: PortPreset }): Uint16Array {
  const specs: PortSpec[] = [...(params.ports ?? [])];
  if (params.preset) specs.push(...PRESETS[params.preset]());
  if (specs.length === 0) specs.push(...PRESETS.top100());
  return expandPorts(specs);
}

/** Ascending ports in range syntax: [1, 2, 3, 80] → "1-3,80". */
export function compactPorts(ports: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let index = 0; index < ports.length; ) {
    const start = ports[index] as number;
    let end = start;
    while (index + 1 < ports.length && ports[index + 1] === end + 1) end = ports[++index] as number;
    parts.push(start === end ? String(start) : `${start}-${end}`);
    index += 1;
  }
  return parts.join(',');
}
