/**
 * The policy of bench/decision-socket.ts: 200 service routes (path prefixes) plus resource-scoped
 * chat routes and two globs; every generated role is granted two service routes, the big roles a
 * chat model, and some roles are denied sending PHI. Deterministic, so its hash is stable.
 */
import { stringify } from 'yaml';

export const ROUTES = 200;
/** Roles 0..CHAT_ROLES-1 (the big role groups) may invoke their own chat model. */
export const CHAT_ROLES = 10;
/** Roles 0..PHI_DENY_ROLES-1 carry a deny rule for PHI on their first service route. */
export const PHI_DENY_ROLES = 30;

/** The service routes (svc-<n>) role-<k> is granted. */
export const routesOfRole = (k: number): number[] => [...new Set([k % ROUTES, (k * 7 + 13) % ROUTES])];

export function policyText(roles: number): string {
  const routes: Record<string, unknown>[] = [];
  for (let j = 0; j < ROUTES; j++) routes.push({ name: `svc-${j}`, pathPrefix: `/api/svc-${j}/`, methods: ['GET', 'POST'] });
  for (let k = 0; k < CHAT_ROLES; k++) routes.push({ name: `chat-model-${k}`, path: '/v1/chat/completions', methods: ['POST'], resource: { model: `model-${k}` } });
  routes.push({ name: 'admin-api', pathGlob: '/admin/**' }, { name: 'health', pathGlob: '/api/*/health', methods: ['GET'] });
  const rules: Record<string, unknown>[] = [];
  for (let k = 0; k < roles; k++) {
    rules.push({ name: `role-${k}-services`, effect: 'allow', roles: [`role-${k}`], routes: routesOfRole(k).map((j) => `svc-${j}`), actions: ['read', 'invoke'] });
  }
  for (let k = 0; k < Math.min(CHAT_ROLES, roles); k++) {
    rules.push({ name: `role-${k}-chat`, effect: 'allow', roles: [`role-${k}`], routes: [`chat-model-${k}`], actions: ['invoke'], when: { 'context.dataClasses': { notContains: 'PHI' } } });
  }
  for (let k = 0; k < Math.min(PHI_DENY_ROLES, roles); k++) {
    rules.push({ name: `role-${k}-no-phi`, effect: 'deny', roles: [`role-${k}`], routes: [`svc-${routesOfRole(k)[0]!}`], when: { 'context.dataClasses': { contains: 'PHI' } } });
  }
  rules.push({ name: 'admins', effect: 'allow', roles: ['role-0'], routes: ['admin-api'] }, { name: 'health', effect: 'allow', roles: Array.from({ length: Math.min(roles, 50) }, (_, k) => `role-${k}`), routes: ['health'] });
  return '# bench/decision-socket.ts policy (generated)\n' + stringify({ combining: 'union', routes, rules });
}
