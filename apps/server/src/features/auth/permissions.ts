import type { BuiltinRole, KeyScope, SourceGrant } from '@sightline/protocol';

/**
 * What a route needs. Every route declares one (`config.permission`); a test walks the registered
 * routes and fails on a route without one. Source-level rights (read or write `shop`) are checked
 * by the feature on top of the route's permission, through `Access`.
 */
export const PERMISSIONS = [
  'public',
  /** Any signed-in principal (their own profile, password, logout). */
  'authenticated',
  'events:read',
  'events:write',
  'catalog:read',
  'catalog:write',
  'sources:read',
  'sources:write',
  'keys:manage',
  'users:manage',
  'roles:manage',
  'audit:read',
  'privacy:manage',
  'dashboards:read',
  'dashboards:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a principal may do: route permissions plus read/write per source. */
export interface Access {
  has(permission: Permission): boolean;
  canRead(source: string): boolean;
  canWrite(source: string): boolean;
  /** True when every source is readable (no per-source narrowing needed in queries). */
  readsAll(): boolean;
  /** Every route permission held (GET /v1/auth/me lists them, so that a UI shows only what may be done). */
  permissions(): Permission[];
}

const ALL: readonly Permission[] = PERMISSIONS;
const READER: readonly Permission[] = ['authenticated', 'events:read', 'catalog:read', 'sources:read', 'dashboards:read'];
const BUILTIN: Record<BuiltinRole, { permissions: readonly Permission[]; grants: SourceGrant[] }> = {
  admin: { permissions: ALL, grants: [{ source: '*', access: 'write' }] },
  editor: {
    permissions: [...READER, 'events:write', 'catalog:write', 'keys:manage', 'dashboards:write'],
    grants: [{ source: '*', access: 'write' }],
  },
  viewer: { permissions: READER, grants: [{ source: '*', access: 'read' }] },
};

export function isBuiltinRole(name: string): name is BuiltinRole {
  return Object.hasOwn(BUILTIN, name);
}

/** The grants of a built-in role (for listing roles). */
export function builtinGrants(name: BuiltinRole): SourceGrant[] {
  return BUILTIN[name].grants;
}

class GrantAccess implements Access {
  private readonly permissions_: ReadonlySet<Permission>;
  private readonly read = new Set<string>();
  private readonly write = new Set<string>();

  /** `readable: false` for write-only access (ingest keys): the grants then allow writing only. */
  constructor(permissions: readonly Permission[], grants: readonly SourceGrant[], readable = true) {
    for (const grant of grants) {
      if (readable) this.read.add(grant.source);
      if (grant.access === 'write') this.write.add(grant.source);
    }
    // A role or key without any write grant cannot ingest, whatever its route permissions say.
    this.permissions_ = new Set(permissions.filter((p) => p !== 'events:write' || this.write.size > 0));
  }

  has(permission: Permission): boolean {
    return permission === 'public' || this.permissions_.has(permission);
  }

  canRead(source: string): boolean {
    return this.read.has('*') || this.read.has(source);
  }

  canWrite(source: string): boolean {
    return this.write.has('*') || this.write.has(source);
  }

  readsAll(): boolean {
    return this.read.has('*');
  }

  permissions(): Permission[] {
    return PERMISSIONS.filter((p) => p !== 'public' && this.permissions_.has(p));
  }
}

/** A user's access: a built-in role, or a custom role's grants (read-only routes plus ingest where it may write). */
export function roleAccess(role: string, customGrants: readonly SourceGrant[] | undefined): Access {
  if (isBuiltinRole(role)) return new GrantAccess(BUILTIN[role].permissions, BUILTIN[role].grants);
  if (customGrants === undefined) return new GrantAccess([], []); // a role that no longer exists grants nothing
  return new GrantAccess([...READER, 'events:write'], customGrants);
}

/** An API key's access: its scopes, narrowed to its sources. An ingest-only key reads nothing back. */
export function keyAccess(scopes: readonly KeyScope[], sources: readonly string[]): Access {
  const permissions = new Set<Permission>(['authenticated']);
  if (scopes.includes('admin')) for (const p of ALL) permissions.add(p);
  if (scopes.includes('read')) for (const p of READER) permissions.add(p);
  if (scopes.includes('ingest')) permissions.add('events:write');
  const writes = scopes.includes('ingest') || scopes.includes('admin');
  const reads = scopes.includes('read') || scopes.includes('admin');
  const grants: SourceGrant[] = sources.map((source) => ({ source, access: writes ? 'write' : 'read' }));
  return new GrantAccess([...permissions], grants, reads);
}

/** Full access, for the local command line (whoever can read the data dir's signing secret owns the data). */
export const FULL_ACCESS: Access = new GrantAccess(ALL, [{ source: '*', access: 'write' }]);
