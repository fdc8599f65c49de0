/**
 * Request validation with the same TypeBox schemas that type handlers and generate
 * /openapi.json. Failures name each offending field, e.g. `body.value` or `query.limit`.
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

/** A compiled validator returning the field problems (none when valid). */
export type Validator = (value: unknown) => FieldProblem[];

/** Compiles `schema` for `part`; validation fills defaults and coerces text in place. */
export function compileValidator(schema: TSchema, part: RequestPart): Validator {
  const validate: ValidateFunction = (part === 'body' ? bodyAjv : textAjv).compile(schema);
  return (value) => (validate(value) ? [] : toFieldProblems(validate.errors ?? [], part));
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
