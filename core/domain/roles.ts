/** Workspace roles, from most to least powerful. */
export const ROLES = ['ADMIN', 'ANALYST', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Readonly<Record<Role, number>> = { ADMIN: 3, ANALYST: 2, VIEWER: 1 };

/** True when `role` grants at least what `required` grants. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}
