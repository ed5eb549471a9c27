export const PRINCIPAL_STATUSES = ['active', 'suspended', 'deprovisioned'] as const;
export type PrincipalStatus = (typeof PRINCIPAL_STATUSES)[number];

/** Higher is more restrictive; a linked principal takes the most restrictive status of its accounts. */
export const STATUS_SEVERITY: Readonly<Record<PrincipalStatus, number>> = {
  active: 0,
  suspended: 1,
  deprovisioned: 2,
};
