/** Where raw evidence lives: an interface, so the code above it never depends on the S3 client. */
import type { Readable } from 'node:stream';

/** Metadata of a stored object. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
}

/** Byte-faithful object storage for raw evidence. */
export interface EvidenceStore {
  /** Creates the bucket when it does not exist yet. */
  ensureBucket(): Promise<void>;
  /** Stores `body` under `key`; storing the same key twice keeps one object. */
  put(key: string, body: Buffer, contentType: string): Promise<StoredObject>;
  /** Streams the object stored under `key`, or undefined when no such object exists. */
  get(key: string): Promise<Readable | undefined>;
  /** Metadata of `key`, or undefined when no such object exists. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Resolves when the storage answers and the bucket exists; rejects otherwise. */
  ping(): Promise<void>;
}
