/** Schemas of the audit log endpoint. */
import { Type } from '@sinclair/typebox';
import { PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';
import { PrintableText } from '../findings/schema';

export const AuditLogQuery = Type.Object(
  {
    ...PageQuery,
    action: Type.Optional(PrintableText(100, 'only this action, e.g. member.added')),
    actor_id: Type.Optional(Uuid('only actions of this user')),
  },
  { additionalProperties: false },
);

export const AuditLogView = Type.Object({
  id: Type.String({ description: 'increasing with time' }),
  actor_id: Type.Union([Uuid(), Type.Null()]),
  action: Type.String(),
  entity_type: Type.String(),
  entity_id: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Object({}, { additionalProperties: true }),
  created_at: Timestamp(),
});
export const AuditLogPage = PageOf(AuditLogView);
