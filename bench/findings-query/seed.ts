/**
 * Seeds the benchmark database through the findings repository, as the job pipeline will:
 * one large workspace (1,000,000 findings by default) and four small ones. Deterministic, so
 * every run queries the same data; a database already seeded is reused.
 */
import type { Knex } from 'knex';
import { FindingsRepository, type FindingInput } from '../../db/repositories/findings';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango'];
const SERVICES = ['nginx', 'apache', 'openssh', 'postfix', 'exim', 'iis', 'lighttpd', 'caddy', 'haproxy', 'vsftpd'];
const TECHNIQUES = ['dns_lookup', 'whois_lookup', 'email_verify', 'port_scan'] as const;
/** Changes when the shape of the seeded data changes, so an older seed is rebuilt. */
const SEED_VERSION = 'bench seed v2';

/** A tiny deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The workspaces of the benchmark and the targets of the large one. */
export interface SeededData {
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly workspaceId: string;
  readonly targetIds: readonly string[];
  readonly findings: number;
}

function finding(index: number, next: () => number, targetId: string): FindingInput {
  const word = WORDS[Math.floor(next() * WORDS.length)]!;
  const host = `srv-${index}.${word}-${index % 97}.test`;
  const kind = index % 10;
  // One finding in 20,000 carries a rare word, so some searches have few hits.
  const rare = index % 20000 === 7 ? ' quokka' : '';
  if (kind < 4) {
    const value = `192.0.2.${index % 250}`;
    return { finding_type: 'dns_record', subject: host, technique: 'dns_lookup', target_id: targetId, data: { record_type: 'A', value, ttl: 300 }, stable_data: { record_type: 'A', value } };
  }
  if (kind < 7) {
    const port = [22, 25, 80, 443, 8080][index % 5]!;
    const service = SERVICES[Math.floor(next() * SERVICES.length)]!;
    return { finding_type: 'open_port', subject: `${host}:${port}`, technique: 'port_scan', target_id: targetId, data: { port, banner: `${service} ${word}${rare}` }, stable_data: { port } };
  }
  if (kind < 9) {
    return { finding_type: 'whois_record', subject: host, technique: 'whois_lookup', target_id: targetId, data: { registrar: `${word} registrar${rare}`, status: ['active'] }, stable_data: { registrar: word } };
  }
  return { finding_type: 'email_verdict', subject: `info@${host}`, technique: 'email_verify', target_id: targetId, data: { verdict: 'risky', reasons: ['catch_all'] }, stable_data: { verdict: 'risky' } };
}

/** Creates (or finds) the benchmark's data; `count` findings in the large workspace. */
export async function seedFindings(knex: Knex, passwordHash: string, count: number, log: (line: string) => void): Promise<SeededData> {
  const email = 'bench@example.test';
  const password = 'benchmark passphrase';
  const existing = await knex('users').where({ email }).first('id');
  if (existing) {
    const workspace = await knex('workspaces').where({ name: 'bench-large', description: SEED_VERSION }).first('id');
    const total = workspace ? Number((await knex('findings').where({ workspace_id: workspace.id }).count({ total: '*' }).first())?.total) : 0;
    if (workspace && total === count) {
      log(`reusing the seeded database (${count} findings)`);
      const targets = await knex('targets').where({ workspace_id: workspace.id }).orderBy('created_at').pluck('id');
      return { userId: existing.id, email, password, workspaceId: workspace.id, targetIds: targets, findings: count };
    }
    log(`the database holds ${total} findings of this seed, not ${count}: seeding again`);
    await knex.raw('TRUNCATE users, workspaces CASCADE');
  }
  const [user] = await knex('users').insert({ email, password_hash: passwordHash }).returning('id');
  const repo = new FindingsRepository(knex);
  const started = Date.now();
  let workspaceId = '';
  let targetIds: string[] = [];
  for (const [name, size] of [['bench-large', count], ['bench-a', 3000], ['bench-b', 3000], ['bench-c', 3000], ['bench-d', 3000]] as const) {
    const [workspace] = await knex('workspaces').insert({ name, description: SEED_VERSION, created_by: user.id }).returning('id');
    await knex('workspace_members').insert({ workspace_id: workspace.id, user_id: user.id, role: 'ADMIN' });
    const targets = await knex('targets')
      .insert(WORDS.map((word) => ({ workspace_id: workspace.id, type: 'domain', value: `${word}.test`, original_value: `${word}.test` })))
      .returning('id');
    const ids = targets.map((row: { id: string }) => row.id);
    if (name === 'bench-large') {
      workspaceId = workspace.id;
      targetIds = ids;
    }
    const next = random(name.length * 7919);
    const batch = 5000;
    for (let offset = 0; offset < size; offset += batch) {
      const technique = TECHNIQUES[(offset / batch) % TECHNIQUES.length]!;
      const [job] = await knex('jobs')
        .insert({ workspace_id: workspace.id, target_id: ids[0], technique, params: {}, status: 'SUCCEEDED', idempotency_key: `${workspace.id}-${offset}` })
        .returning('id');
      const items: FindingInput[] = [];
      for (let index = offset; index < Math.min(size, offset + batch); index += 1) {
        items.push(finding(index, next, ids[index % ids.length]!));
      }
      await knex.transaction((trx) => repo.upsertMany(workspace.id, job.id, items, trx));
      if (name === 'bench-large' && (offset / batch) % 20 === 0) log(`seeded ${offset + items.length} of ${size} (${Math.round((Date.now() - started) / 1000)} s)`);
    }
  }
  // Findings arrive over 90 days in the order they were written, and each was last seen up to a
  // week after it first was, as a workspace that has been scanned for three months looks.
  await knex.raw(`UPDATE findings f SET
      first_seen_at = now() - interval '90 days' * (1 - o.position),
      last_seen_at = LEAST(now(), now() - interval '90 days' * (1 - o.position) + (abs(hashtext(f.id::text)) % 7) * interval '1 day')
    FROM (SELECT id, (row_number() OVER (ORDER BY ctid))::float8 / count(*) OVER () AS position FROM findings) o
    WHERE o.id = f.id`);
  await knex.raw('VACUUM FULL ANALYZE findings');
  await knex.raw('VACUUM ANALYZE job_findings');
  log(`seeded in ${Math.round((Date.now() - started) / 1000)} s`);
  return { userId: user.id, email, password, workspaceId, targetIds, findings: count };
}
