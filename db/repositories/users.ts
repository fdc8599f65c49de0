/** Accounts. Users belong to no workspace, so this is the one repository not scoped by one. */
import type { Knex } from 'knex';
import { User } from '../models/User';

/** Reads and writes users. */
export class UsersRepository {
  constructor(private readonly db: Knex) {}

  /** The user with `id`, if any. */
  async findById(id: string, trx?: Knex.Transaction): Promise<User | undefined> {
    return await User.query(trx ?? this.db).findById(id);
  }

  /** The user whose email matches case-insensitively, if any. */
  async findByEmail(email: string, trx?: Knex.Transaction): Promise<User | undefined> {
    return await User.query(trx ?? this.db).whereRaw('lower(email) = lower(?)', [email]).first();
  }

  /** Inserts a user; a taken email raises the unique violation (mapped to 409 by the API). */
  async create(input: { email: string; password_hash: string; display_name: string | null }, trx: Knex.Transaction): Promise<User> {
    return await User.query(trx).insertAndFetch(input);
  }
}
