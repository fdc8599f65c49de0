/**
 * Banner grabbing: after the scan, each open port is connected to once more with net.Socket
 * and whatever the service says first is read, up to a size and a time limit. Nothing is sent.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import net from 'node:net';

/** How many banners are grabbed at the same time. */
const GRABS_AT_ONCE = 32;

/** What a banner grab keeps: the bytes as received. */
export interface BannerOptions {
  readonly waitMs: number;
  readonly maxBytes: number;
  /** Ends every grab at once (with what arrived so far) and starts no more. */
  readonly signal: AbortSignal;
}

/** How far the grabs are: ports finished (a banner or none) of those to grab. */
export interface BannerProgress {
  readonly banners_done: number;
  readonly banners_total: number;
  /** Ports that sent a banner so far. */
  readonly banners_found: number;
}

/** The first bytes `address:port` sends after connecting, or null when it sends none in time. */
export function grabBanner(address: string, port: number, options: BannerOptions): Promise<Buffer | null> {
  if (options.signal.aborted) return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = net.connect({ host: address, port });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', finish);
      socket.removeAllListeners('data');
      if (!socket.destroyed) socket.resetAndDestroy();
      resolve(size > 0 ? Buffer.concat(chunks).subarray(0, options.maxBytes) : null);
    };
    const timer = setTimeout(finish, options.waitMs);
    options.signal.addEventListener('abort', finish, { once: true });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= options.maxBytes) finish();
    });
    socket.on('error', finish);
    socket.on('end', finish);
  });
}

/**
 * Grabs the banners of `ports`, a few at a time; ports that stay silent are left out. Each grab
 * can take `waitMs`, so `onProgress` is told as each one finishes.
 */
export async function grabBanners(
  address: string,
  ports: readonly number[],
  options: BannerOptions & { onProgress?: (progress: BannerProgress) => void },
): Promise<Map<number, Buffer>> {
  const banners = new Map<number, Buffer>();
  const queue = [...ports];
  const workers = Math.min(GRABS_AT_ONCE, queue.length);
  // Every grab in flight listens for the abort: more than Node's default of ten listeners, on purpose.
  setMaxListeners(Math.max(getMaxListeners(options.signal), workers + 10), options.signal);
  let done = 0;
  const worker = async () => {
    for (let port = queue.shift(); port !== undefined && !options.signal.aborted; port = queue.shift()) {
      const banner = await grabBanner(address, port, options);
      if (banner) banners.set(port, banner);
      if (options.signal.aborted) return; // cut short, not finished
      done += 1;
      options.onProgress?.({ banners_done: done, banners_total: ports.length, banners_found: banners.size });
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return banners;
}

const ESCAPES: Record<string, string> = { '\r': '\\r', '\n': '\\n' };

/**
 * A banner as text for findings: Latin-1 (every byte maps to one character), control
 * characters other than tab shown as \xNN (jsonb refuses NUL), trailing line breaks dropped.
 */
export function bannerText(banner: Buffer): string {
  const text = banner.toString('latin1').replace(/[\r\n]+$/, '');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (char) => ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
