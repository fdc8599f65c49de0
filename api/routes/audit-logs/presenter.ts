/** Shapes audit rows for responses. */
import type { Static } from '@sinclair/typebox';
import type { AuditLog } from '../../../db/models/AuditLog';
import type { AuditLogView } from './schema';

export function presentAuditLog(entry: AuditLog): Static<typeof AuditLogView> {
  return {
    id: String(entry.id),
    actor_id: entry.actor_id,
    action: entry.action,
    entity_type: entry.entity_type,
    entity_id: entry.entity_id,
    ip: entry.ip,
    details: entry.details,
    created_at: entry.created_at.toISOString(),
  };
}
