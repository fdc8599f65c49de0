/**
 * Keyset (cursor) pagination: stable under inserts, index-friendly, and opaque to clients.
 * A cursor is the sort key of the last row of a page, base64url-encoded.
 */
import type { Knex } from 'knex';
import { errors } from '../core/errors';

/** Most rows one page may hold; also the schema maximum of every `limit`. */
export const MAX_PAGE_SIZE = 200;
/** Rows in a page when the client does not say. */
export const DEFAULT_PAGE_SIZE = 50;

/** A page request. */
export interface PageRequest {
  readonly limit?: number;
  readonly cursor?: string;
}

/** One page of rows and the cursor of the next page (null on the last page). */
export interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

/** How rows are ordered: a column (timestamp or number) then the id, both descending unless `order` says 'asc'. */
export interface SortKey {
  readonly column: string;
  readonly idColumn?: string;
  /** The column holds a timestamp (decoded from the cursor as a Date). */
  readonly timestamp?: boolean;
  /** 'asc' for histories read oldest first; 'desc' (newest first) by default. */
  readonly order?: 'asc' | 'desc';
}

/** Applies the page's keyset condition, order and limit to `query`, runs it, and builds the page. */
export async function paginate<T extends object>(
  query: Knex.QueryBuilder,
  page: PageRequest,
  key: SortKey,
): Promise<Page<T>> {
  const limit = Math.min(page.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const idColumn = key.idColumn ?? 'id';
  const order = key.order ?? 'desc';
  const beyond = order === 'desc' ? '<' : '>';
  if (page.cursor) {
    const [sortValue, id] = decodeCursor(page.cursor, key);
    if (sortValue === null) {
      query.where(idColumn, beyond, id);
    } else {
      query.whereRaw(`(??, ??) ${beyond} (?, ?)`, [key.column, idColumn, sortValue as Knex.Value, id]);
    }
  }
  const rows = (await query
    .orderBy([
      { column: key.column, order },
      ...(key.column === idColumn ? [] : [{ column: idColumn, order }]),
    ])
    .limit(limit + 1)) as T[];
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const hasMore = rows.length > limit && last !== undefined;
  return { items, next_cursor: hasMore ? encodeCursor(last as Record<string, unknown>, key) : null };
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// 18 digits always fit a bigint; encodeCursor's toISOString always has this shape for years 0–9999.
const SERIAL_PATTERN = /^\d{1,18}$/;
const ISO_PATTERN = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function bareColumn(column: string): string {
  return column.slice(column.lastIndexOf('.') + 1);
}

function encodeCursor(row: Record<string, unknown>, key: SortKey): string {
  const idColumn = bareColumn(key.idColumn ?? 'id');
  const column = bareColumn(key.column);
  const sortValue = column === idColumn ? null : row[column];
  const encoded = sortValue instanceof Date ? sortValue.toISOString() : sortValue;
  return encodeCursorValues([encoded, row[idColumn]]);
}

/** An opaque cursor holding the sort key of a row. */
export function encodeCursorValues(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The error every malformed cursor gets. */
export function invalidCursor() {
  return errors.validation([{ field: 'query.cursor', message: 'is not a cursor this endpoint gave out' }]);
}

/** The `length` values of a cursor made by encodeCursorValues; throws invalidCursor otherwise. */
export function decodeCursorValues(cursor: string, length: number): unknown[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(decoded) || decoded.length !== length) throw invalidCursor();
  return decoded;
}

function decodeCursor(cursor: string, key: SortKey): [unknown, string | number] {
  const invalid = invalidCursor;
  const [sortValue, id] = decodeCursorValues(cursor, 2) as [unknown, unknown];
  // Ids are serial numbers when rows are ordered by the id alone, UUIDs otherwise; a value of
  // the other kind (or out of range) would only make the database complain with a 500.
  if (typeof id !== 'string' && typeof id !== 'number') throw invalid();
  const serial = bareColumn(key.column) === bareColumn(key.idColumn ?? 'id');
  const validId = serial
    ? (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) || (typeof id === 'string' && SERIAL_PATTERN.test(id))
    : typeof id === 'string' && UUID_PATTERN.test(id);
  if (!validId) throw invalid();
  if (key.timestamp) {
    if (typeof sortValue !== 'string' || !ISO_PATTERN.test(sortValue) || Number.isNaN(Date.parse(sortValue))) throw invalid();
    return [new Date(sortValue), id];
  }
  if (sortValue !== null && typeof sortValue !== 'number') throw invalid();
  return [sortValue, id];
}
