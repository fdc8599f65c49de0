/**
 * Memberships the API process has read recently, so that a workspace request costs one database
 * round trip (its own query) rather than two.
 *
 * It stays correct across API processes:
 * - Every membership change is published on a Redis channel once committed, and each process
 *   then drops every entry it holds.
 * - A process uses its entries only while its subscription is live. While Redis is down or
 *   reconnecting, every request reads its membership from the database, and the entries read
 *   before are dropped.
 * - A read that was in flight when a change arrived is not kept (an epoch counts the changes).
 * - Only memberships are kept, never their absence: a member just added is never refused.
 * - Entries expire after `ttlMs` even when no change is announced; 0 turns the cache off.
 */
import type Redis from 'ioredis';
import type { Logger } from '../../core/logger';
import type { MembershipAccess } from '../../db/repositories/workspaces';

/** The channel on which membership changes are announced to every API process. */
export const MEMBERSHIP_CHANNEL = 'osint:memberships:changed';

const DEFAULT_MAX_ENTRIES = 10000;

interface Entry {
  readonly access: MembershipAccess;
  readonly expiresAt: number;
}

export class MembershipCache {
  private readonly entries = new Map<string, Entry>();
  private epoch = 0;
  private live = false;
  private closed = false;

  constructor(
    private readonly options: {
      /** Announces changes (any connection in normal mode). */
      readonly publisher: Redis;
      /** A connection of its own: once subscribed it can do nothing else. Closed by close(). */
      readonly subscriber: Redis;
      readonly ttlMs: number;
      readonly maxEntries?: number;
      readonly logger: Logger;
    },
  ) {}

  /** Subscribes to membership changes; entries are used from then on. */
  async start(): Promise<void> {
    if (this.options.ttlMs <= 0) return;
    const { subscriber } = this.options;
    subscriber.on('message', (channel: string) => {
      if (channel === MEMBERSHIP_CHANNEL) this.drop();
    });
    // Changes announced while the subscription is down are lost: stop trusting entries until it is back.
    subscriber.on('close', () => this.suspend());
    subscriber.on('reconnecting', () => this.suspend());
    subscriber.on('ready', () => void this.subscribe());
    subscriber.on('error', (error: Error) => this.options.logger.warn({ err: error.message }, 'membership cache: redis subscription error'));
    await this.subscribe();
  }

  /** True while entries may be used (subscribed, and the cache is on). */
  get isLive(): boolean {
    return this.live;
  }

  /** The caller's access to `workspaceId`: a live entry, else what `load` reads (kept if a membership). */
  async lookup(userId: string, workspaceId: string, load: () => Promise<MembershipAccess | undefined>): Promise<MembershipAccess | undefined> {
    if (!this.live) return load();
    const key = `${userId}:${workspaceId}`;
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.access;
    const epoch = this.epoch;
    const access = await load();
    if (access?.role && this.live && epoch === this.epoch) this.keep(key, access);
    else this.entries.delete(key);
    return access;
  }

  /**
   * Announces that memberships of `workspaceId` changed; call it after the change has committed.
   * This process drops its entries at once; the others when the announcement reaches them.
   */
  async changed(workspaceId: string): Promise<void> {
    this.drop();
    if (this.options.ttlMs <= 0) return;
    try {
      await this.options.publisher.publish(MEMBERSHIP_CHANNEL, workspaceId);
    } catch (error) {
      // The other processes' entries expire within ttlMs; their subscriptions, on the same Redis, are likely down too.
      this.options.logger.warn({ err: (error as Error).message, workspace_id: workspaceId }, 'membership cache: change not announced');
    }
  }

  /** Unsubscribes and closes the subscriber connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.suspend();
    if (this.options.ttlMs <= 0) {
      this.options.subscriber.disconnect();
      return;
    }
    await this.options.subscriber.quit().catch(() => this.options.subscriber.disconnect());
  }

  private async subscribe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.options.subscriber.subscribe(MEMBERSHIP_CHANNEL);
      if (this.closed) return;
      this.drop();
      this.live = true;
    } catch (error) {
      this.suspend();
      this.options.logger.warn({ err: (error as Error).message }, 'membership cache: cannot subscribe; reading every membership from the database');
    }
  }

  private suspend(): void {
    this.live = false;
    this.drop();
  }

  private drop(): void {
    this.epoch += 1;
    this.entries.clear();
  }

  private keep(key: string, access: MembershipAccess): void {
    this.entries.delete(key);
    this.entries.set(key, { access, expiresAt: Date.now() + this.options.ttlMs });
    // A Map iterates in insertion order: the first key is the oldest entry.
    if (this.entries.size > (this.options.maxEntries ?? DEFAULT_MAX_ENTRIES)) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }
}
