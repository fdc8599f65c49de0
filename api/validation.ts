/**
 * Request validation with the same TypeBox schemas that type handlers and generate
 * /openapi.json. Failures name each offending field, e.g. `body.value` or `query.limit`.
 * Valid input leaves in canonical form: every UUID in lowercase, so an id sent in capitals
 * names the same job, webhook or workspace everywhere (Temporal ids and hashes included).
 */
import type { TSchema } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FieldProblem } from '../core/errors';

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerceTypes ? 'array' : false, useDefaults: true, strict: false });
  addFormats(ajv);
  // ajv-formats' uuid also admits a "urn:uuid:" prefix, which PostgreSQL refuses (a 500); hyphenated form only.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  return ajv;
}

// Query strings and path parameters arrive as text, so they are coerced; JSON bodies are not.
const bodyAjv = createAjv(false);
const textAjv = createAjv(true);

/** Where a value comes from in the request. */
export type RequestPart = 'body' | 'query' | 'params';

/**
 * A compiled validator returning the field problems (none when valid). `rawText`, the body's JSON
 * text when the caller has it, lets the NUL check skip bodies that cannot hold one.
 */
export type Validator = (value: unknown, rawText?: string) => FieldProblem[];

/**
 * Compiles `schema` for `part`; validation fills defaults, coerces text and lowercases UUIDs in
 * place. A body's strings may not hold NUL characters, which PostgreSQL text cannot store.
 */
export function compileValidator(schema: TSchema, part: RequestPart): Validator {
  const validate: ValidateFunction = (part === 'body' ? bodyAjv : textAjv).compile(schema);
  const lowercaseUuids = uuidRewriter(schema);
  return (value, rawText) => {
    if (!validate(value)) return toFieldProblems(validate.errors ?? [], part);
    const problems = part === 'body' && mayHoldNul(rawText) ? nulProblems(value, [part]) : [];
    if (problems.length === 0) lowercaseUuids?.(value);
    return problems;
  };
}

/** Rewrites a valid value in place (or answers its replacement, for a string). */
type Rewriter = (value: unknown) => unknown;

/**
 * A rewriter that lowercases, in place, every string `schema` types as a UUID, visiting only the
 * paths that lead to one; undefined when the schema has none. The value is already valid, so a
 * string at a UUID path is a UUID (no schema unions a UUID with another string).
 */
function uuidRewriter(schema: TSchema): Rewriter | undefined {
  const branches = schema.anyOf as TSchema[] | undefined;
  if (schema.format === 'uuid' || branches?.some((branch) => branch.format === 'uuid')) {
    return (value) => (typeof value === 'string' ? value.toLowerCase() : value);
  }
  if (schema.items) {
    const rewriteItem = uuidRewriter(schema.items as TSchema);
    if (!rewriteItem) return undefined;
    return (value) => {
      if (Array.isArray(value)) value.forEach((item, index) => (value[index] = rewriteItem(item)));
      return value;
    };
  }
  if (schema.properties) {
    const rewriters = Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, property]) => {
      const rewrite = uuidRewriter(property);
      return rewrite ? [[key, rewrite] as const] : [];
    });
    if (rewriters.length === 0) return undefined;
    return (value) => {
      if (!value || typeof value !== 'object') return value;
      const record = value as Record<string, unknown>;
      for (const [key, rewrite] of rewriters) {
        if (Object.hasOwn(record, key)) record[key] = rewrite(record[key]);
      }
      return value;
    };
  }
  return undefined;
}

/**
 * Whether a body may hold a NUL: JSON.parse refuses raw control characters, so one can only
 * arrive as the escape `\u0000`. Without the raw text, every body is walked.
 */
function mayHoldNul(rawText: string | undefined): boolean {
  return rawText === undefined || rawText.includes('\\u0000');
}

/** A problem for each string or key of `value`, at any depth, that holds a NUL character. */
function nulProblems(value: unknown, path: string[]): FieldProblem[] {
  const problem = { field: path.join('.'), message: 'must not contain NUL characters' };
  if (typeof value === 'string') return value.includes('\u0000') ? [problem] : [];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key.includes('\u0000') ? [{ ...problem, field: [...path, key.replaceAll('\u0000', '\\u0000')].join('.') }] : nulProblems(inner, [...path, key]),
  );
}

function toFieldProblems(errors: readonly ErrorObject[], part: RequestPart): FieldProblem[] {
  const problems = new Map<string, string>();
  for (const error of errors) {
    // anyOf/oneOf add a summary error after the branches' own; the branch errors say more.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const path = error.instancePath.split('/').slice(1).map(decodePointer);
    if (error.keyword === 'required') path.push(String(error.params.missingProperty));
    if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
    const field = [part, ...path].join('.');
    if (!problems.has(field)) problems.set(field, describe(error));
  }
  return [...problems].map(([field, message]) => ({ field, message }));
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an accepted field';
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(error.params.allowedValue)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
