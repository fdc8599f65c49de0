/** EvidenceStore on any S3-compatible server, through the `minio` client. */
import type { Readable } from 'node:stream';
import { Client } from 'minio';
import type { Config } from '../config';
import type { EvidenceStore, StoredObject } from './evidence-store';

/** Builds the S3 client from the storage settings. */
export function createS3Client(settings: Config['storage']): Client {
  return new Client({
    endPoint: settings.endPoint,
    port: settings.port,
    useSSL: settings.useSSL,
    accessKey: settings.accessKey,
    secretKey: settings.secretKey,
    region: settings.region,
    pathStyle: true,
  });
}

/** An EvidenceStore writing to one bucket of an S3 server. */
export class S3EvidenceStore implements EvidenceStore {
  constructor(
    private readonly client: Client,
    private readonly bucket: string,
    private readonly region: string,
  ) {}

  async ensureBucket(): Promise<void> {
    if (await this.client.bucketExists(this.bucket)) return;
    try {
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      // Another process may have created it between the check and the call.
      if (!isBucketAlreadyOwned(error)) throw error;
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<StoredObject> {
    await this.client.putObject(this.bucket, key, body, body.length, { 'Content-Type': contentType });
    return { key, size: body.length, contentType };
  }

  async get(key: string): Promise<Readable | undefined> {
    return this.client.getObject(this.bucket, key).catch(undefinedWhenMissing);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const stat = await this.client.statObject(this.bucket, key).catch(undefinedWhenMissing);
    if (!stat) return undefined;
    const contentType = String(stat.metaData?.['content-type'] ?? 'application/octet-stream');
    return { key, size: stat.size, contentType };
  }

  async ping(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      throw new Error(`bucket ${this.bucket} does not exist`);
    }
  }
}

function isBucketAlreadyOwned(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists';
}

/** Undefined for an error saying the object does not exist; any other error is thrown on. */
function undefinedWhenMissing(error: unknown): undefined {
  const code = (error as { code?: string }).code;
  if (code === 'NotFound' || code === 'NoSuchKey') return undefined;
  throw error;
}
