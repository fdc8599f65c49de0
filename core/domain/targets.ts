/** Kinds of targets an investigation can have. */
export const TARGET_TYPES = ['email', 'domain'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
