import type { Access } from './permissions.js';

/** Who is making a request, once authenticated. */
export type Principal =
  | { kind: 'user'; id: string; email: string; role: string; sessionId: string; mustChangePassword: boolean; access: Access }
  | { kind: 'key'; id: string; access: Access }
  | { kind: 'cli'; name: string; access: Access };

/** The actor string of the audit trail: `user:<id>`, `key:<id>` or `cli:<name>`. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  return principal.kind === 'cli' ? `cli:${principal.name}` : `${principal.kind}:${principal.id}`;
}
