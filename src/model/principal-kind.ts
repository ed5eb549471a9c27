export const PRINCIPAL_KINDS = ['human', 'service', 'agent'] as const;
/** A human user, a service account (workload), or an AI agent acting on its own credentials. */
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];
