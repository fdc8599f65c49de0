/** Schemas of the workspace and member endpoints. */
import { Type } from '@sinclair/typebox';
import { ROLES } from '../../../core/domain/roles';
import { StringEnum } from '../../../core/domain/string-enum';
import { PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';
import { Email } from '../auth/schema';

export const RoleSchema = StringEnum(ROLES, { description: 'ADMIN (members, evidence content, audit log), ANALYST (targets, jobs, schedules), VIEWER (read)' });

export const CreateWorkspaceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const WorkspaceView = Type.Object({
  id: Uuid(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  created_at: Timestamp(),
});

export const ListQuery = Type.Object(PageQuery, { additionalProperties: false });
export const WorkspacePage = PageOf(WorkspaceView);

export const AddMemberBody = Type.Object({ email: Email, role: RoleSchema }, { additionalProperties: false });
export const ChangeRoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });

export const MemberView = Type.Object({
  user_id: Uuid(),
  email: Type.String(),
  display_name: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  joined_at: Timestamp(),
});
export const MemberPage = PageOf(MemberView);
