/** Schemas of the target endpoints. */
import { Type } from '@sinclair/typebox';
import { TARGET_TYPES } from '../../../core/domain/targets';
import { StringEnum } from '../../../core/domain/string-enum';
import { PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';

export const TargetTypeSchema = StringEnum(TARGET_TYPES, { description: 'email or domain' });

export const CreateTargetBody = Type.Object(
  {
    value: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'the address or domain as typed; stored trimmed, lowercased, without a trailing dot, IDN as punycode',
    }),
  },
  { additionalProperties: false },
);

export const TargetView = Type.Object({
  id: Uuid(),
  workspace_id: Uuid(),
  type: TargetTypeSchema,
  value: Type.String({ description: 'the normalized value, unique per workspace and type' }),
  original_value: Type.String({ description: 'the value as first submitted' }),
  created_at: Timestamp(),
});

export const ListTargetsQuery = Type.Object({ ...PageQuery, type: Type.Optional(TargetTypeSchema) }, { additionalProperties: false });
export const TargetPage = PageOf(TargetView);
