/** Base of every model: properties are snake_case, as in the database and in API responses. */
import { Model } from 'objection';

export class BaseModel extends Model {}
