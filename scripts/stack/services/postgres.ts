/** PostgreSQL from the Debian packages, in a cluster of our own under the data folder. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { isPortOpen, startProcess, waitUntil } from '../process';
import type { StackSettings } from '../settings';
import type { ServiceDefinition, StartContext } from './service';

/** PostgreSQL refuses to run as root, so as root the cluster belongs to this system user. */
const SYSTEM_USER = 'postgres';

export const postgres: ServiceDefinition = {
  name: 'postgres',
  address: (settings) => `${settings.postgres.host}:${settings.postgres.port}`,
  isUp: (settings) => isPortOpen(settings.postgres.host, settings.postgres.port),

  async start({ settings, profile, dir, sink, detached }: StartContext) {
    const bin = findPostgresBin();
    const dataDir = path.join(dir, 'data');
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) initCluster(bin, dir, dataDir, settings);
    const args = [
      '-D', dataDir,
      '-p', String(settings.postgres.port),
      '-c', `listen_addresses=${settings.postgres.host}`,
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      // The default 128 MB cannot hold a million-finding workspace's hot pages.
      '-c', 'shared_buffers=512MB',
      '-c', 'effective_cache_size=4GB',
    ];
    // Tests throw their data away, so durability is traded for speed there.
    if (profile === 'test') args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    // Run as the cluster's owner directly (no runuser in between, which would turn any signal
    // into SIGTERM and then SIGKILL), and stopped with SIGINT: a fast shutdown, which ends the
    // sessions still open instead of waiting for them.
    const proc = startProcess('postgres', path.join(bin, 'postgres'), args, { sink, detached, stopSignal: 'SIGINT', ...clusterOwnerIds() });
    await waitUntil('postgres', () => canQuery(settings, 'postgres'), { timeoutMs: 30000, process: proc });
    return proc;
  },

  async prepare(settings: StackSettings) {
    const database = decodeURIComponent(settings.postgres.url.pathname.slice(1)) || 'postgres';
    const client = new Client({ connectionString: withDatabase(settings.postgres.url, 'postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
          if (error.code !== '42P04') throw error; // created concurrently: fine
        });
      }
    } finally {
      await client.end();
    }
  },
};

function initCluster(bin: string, dir: string, dataDir: string, settings: StackSettings): void {
  const user = decodeURIComponent(settings.postgres.url.username) || 'osint';
  const password = decodeURIComponent(settings.postgres.url.password) || 'osint';
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(dir, '.initdb-password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (isRoot()) execFileSync('chown', ['-R', `${SYSTEM_USER}:${SYSTEM_USER}`, dir]);
  try {
    const args = [
      '-D', dataDir,
      '-U', user,
      `--pwfile=${passwordFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E', 'UTF8',
      '--locale=C.UTF-8',
    ];
    execFileSync(path.join(bin, 'initdb'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...clusterOwnerIds() });
  } finally {
    fs.rmSync(passwordFile, { force: true });
  }
}

/** As root, the uid and gid of the cluster's owner, to run initdb and the server as. */
function clusterOwnerIds(): { uid?: number; gid?: number } {
  if (!isRoot()) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, SYSTEM_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The newest PostgreSQL server installed by the Debian packages. */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((name) => fs.existsSync(path.join(root, name, 'bin', 'postgres')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server not found under /usr/lib/postgresql (run scripts/install.sh)');
  return path.join(root, newest, 'bin');
}

async function canQuery(settings: StackSettings, database: string): Promise<boolean> {
  const client = new Client({ connectionString: withDatabase(settings.postgres.url, database) });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: URL, database: string): string {
  const copy = new URL(url.toString());
  copy.pathname = `/${database}`;
  return copy.toString();
}
