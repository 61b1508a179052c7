import type { Role } from '../domain/review';

/** The people of the worked example (../shared/fixtures/worked-example.json) plus an admin. */
export const demoPrincipals: Array<{ id: string; name: string; roles: Role[] }> = [
  { id: 'u-ana', name: 'Ana Ruiz (handoff owner)', roles: ['ops', 'sales'] },
  { id: 'u-ben', name: 'Ben Okafor (sales)', roles: ['sales'] },
  { id: 'u-chen', name: 'Chen Li (implementation)', roles: ['implementation', 'reviewer'] },
  { id: 'admin', name: 'Admin', roles: ['admin'] },
];
