/** Shapes targets for responses. */
import type { Static } from '@sinclair/typebox';
import type { Target } from '../../../db/models/Target';
import type { TargetView } from './schema';

export function presentTarget(target: Target): Static<typeof TargetView> {
  return {
    id: target.id,
    workspace_id: target.workspace_id,
    type: target.type,
    value: target.value,
    original_value: target.original_value,
    created_at: target.created_at.toISOString(),
  };
}
