/** Streams raw evidence to the client, verified against the size and sha256 recorded for it. */
import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { Context } from 'koa';
import { errors } from '../../../core/errors';
import type { Logger } from '../../../core/logger';
import type { EvidenceStore } from '../../../core/storage/evidence-store';
import type { Evidence } from '../../../db/models/Evidence';

/** The bytes read from storage are not the bytes that were recorded. */
export class EvidenceIntegrityError extends Error {
  constructor(readonly details: { expected_sha256: string; expected_size: number; actual_sha256: string | null; actual_size: number }) {
    super('evidence content does not match its recorded size and sha256');
    this.name = 'EvidenceIntegrityError';
  }
}

/**
 * A pass-through that hashes and counts the bytes and fails on a mismatch. It holds back the
 * latest chunk until the digest is known, so a corrupted object can never reach the client in
 * full: the response ends short of its Content-Length and the client sees a broken transfer.
 */
export function verifyingStream(expected: { sha256: string; size: number }): Transform {
  const hash = createHash('sha256');
  let size = 0;
  let held: Buffer | undefined;
  const mismatch = (actualSha256: string | null) =>
    new EvidenceIntegrityError({ expected_sha256: expected.sha256, expected_size: expected.size, actual_sha256: actualSha256, actual_size: size });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > expected.size) return callback(mismatch(null));
      hash.update(chunk);
      const release = held;
      held = chunk;
      callback(null, release);
    },
    flush(callback) {
      const sha256 = hash.digest('hex');
      if (sha256 !== expected.sha256 || size !== expected.size) return callback(mismatch(sha256));
      callback(null, held);
    },
  });
}

/**
 * Opens the evidence's object: 404 when storage no longer holds it, 503 when storage does not
 * answer, so a download is audited only once its bytes can be sent.
 */
export async function openEvidenceContent(store: EvidenceStore, evidence: Evidence): Promise<Readable> {
  const source = await store.get(evidence.object_key).catch((error: unknown) => {
    throw errors.unavailable('Object storage did not answer; try again', { cause: error });
  });
  if (!source) throw errors.notFound('Evidence content');
  return source;
}

/** Answers with the evidence's bytes, its recorded type and length, and the expected digest. */
export function sendEvidenceContent(ctx: Context, source: Readable, evidence: Evidence, logger: Logger): void {
  const size = Number(evidence.size_bytes);
  const log = logger.child({ evidence_id: evidence.id, object_key: evidence.object_key });
  const verified = pipeline(source, verifyingStream({ sha256: evidence.sha256, size }), (error) => {
    if (error instanceof EvidenceIntegrityError) log.error(error.details, error.message);
    else if (error && (error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') log.warn({ err: error }, 'evidence stream failed');
  });
  ctx.set({
    'Content-Type': evidence.content_type,
    'X-Content-SHA256': evidence.sha256,
    // Evidence is whatever a remote server sent: never rendered by a browser, never cached.
    'Content-Disposition': `attachment; filename="evidence-${evidence.id}"`,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  ctx.body = verified;
  ctx.length = size;
}
