import { BaseModel } from './BaseModel';

/** An investigator's account. */
export class User extends BaseModel {
  static override tableName = 'users';
  id!: string;
  email!: string;
  password_hash!: string;
  display_name!: string | null;
  created_at!: Date;
  updated_at!: Date;
}
