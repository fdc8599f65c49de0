/** A string schema limited to `values`: `enum` in JSON Schema, a union of literals in TypeScript. */
import { Type, type TUnsafe } from '@sinclair/typebox';

export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
