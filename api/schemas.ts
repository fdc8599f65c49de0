/** Schemas shared by many endpoints: ids, timestamps, pagination and the error body. */
import { Type, type TSchema } from '@sinclair/typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/pagination';

/** A UUID. */
export const Uuid = (description?: string) => Type.String({ format: 'uuid', ...(description && { description }) });

/** `schema` or null. */
export const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

/** An RFC 3339 timestamp. */
export const Timestamp = (description?: string) => Type.String({ format: 'date-time', ...(description && { description }) });

/** Path parameters of an endpoint under one workspace. */
export const WorkspaceParams = Type.Object({ workspace_id: Uuid('the workspace') });

/** Path parameters naming one resource inside a workspace. */
export const WorkspaceResourceParams = (name: string, description: string) =>
  Type.Object({ workspace_id: Uuid('the workspace'), [name]: Uuid(description) });

/** `limit` and `cursor` of every listing. */
export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: `rows per page, at most ${MAX_PAGE_SIZE}` }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })),
};

/** A page of `item`. */
export const PageOf = (item: TSchema) =>
  Type.Object({
    items: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page; null on the last page' }),
  });

/** The body of every error response. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable machine-readable code, e.g. validation_failed' }),
      message: Type.String(),
      details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Array(Type.Unknown()), Type.Null()]),
    }),
  },
  { $id: 'Error' },
);
