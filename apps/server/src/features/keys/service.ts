import type { ApiKey, ApiKeyCreated, ErrorDetail, KeyCreateBody } from '@sightline/protocol';
import { AppError } from '../../errors.js';
import type { KeyStore, StoredApiKey } from '../../store/types.js';
import { apiKeyPrefix, newApiKey } from '../auth/credentials.js';
import type { PrincipalDirectory } from '../auth/directory.js';
import { actorOf, type Principal } from '../auth/principal.js';

const DAY_MS = 86_400_000;

function publicKey(key: StoredApiKey): ApiKey {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: key.id,
    name: key.name,
    prefix: apiKeyPrefix(key.id),
    scopes: key.scopes,
    sources: key.sources,
    created_by: key.createdBy,
    created_at: new Date(key.createdAt).toISOString(),
    expires_at: iso(key.expiresAt),
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
  };
}

/** Admins manage every key; anyone else with keys:manage sees and revokes only the keys they made. */
const managesAll = (principal: Principal) => principal.access.has('users:manage');

export interface KeyService {
  list(principal: Principal): Promise<ApiKey[]>;
  get(principal: Principal, id: string): Promise<ApiKey>;
  create(principal: Principal, body: KeyCreateBody): Promise<ApiKeyCreated>;
  revoke(principal: Principal, id: string): Promise<void>;
}

export function createKeyService(deps: { keys: KeyStore; directory: PrincipalDirectory; clock?: () => number }): KeyService {
  const { keys, directory } = deps;
  const clock = deps.clock ?? Date.now;

  const visible = async (principal: Principal, id: string) => {
    const key = await keys.get(id);
    if (!key || (!managesAll(principal) && key.createdBy !== actorOf(principal))) throw new AppError('not_found', { detail: 'No such API key' });
    return key;
  };

  /** A key never grants more than its creator holds. */
  const checkWithinCreator = (principal: Principal, body: KeyCreateBody) => {
    const errors: ErrorDetail[] = [];
    if (!managesAll(principal)) {
      body.scopes.forEach((scope, i) => {
        if (scope === 'admin') errors.push({ path: `/scopes/${i}`, message: 'only an admin can create an admin key' });
      });
    }
    body.sources.forEach((source, i) => {
      if (body.scopes.includes('ingest') && !principal.access.canWrite(source)) errors.push({ path: `/sources/${i}`, message: 'you cannot write this source yourself' });
      else if (body.scopes.includes('read') && !principal.access.canRead(source)) errors.push({ path: `/sources/${i}`, message: 'you cannot read this source yourself' });
    });
    if (errors.length > 0) throw new AppError('forbidden', { detail: 'A key cannot grant more than its creator holds', errors });
  };

  return {
    async list(principal) {
      const all = await keys.list();
      const mine = managesAll(principal) ? all : all.filter((k) => k.createdBy === actorOf(principal));
      return mine.map(publicKey);
    },
    async get(principal, id) {
      return publicKey(await visible(principal, id));
    },
    async create(principal, body) {
      checkWithinCreator(principal, body);
      if (body.sources.includes('*') && body.sources.length > 1) {
        throw new AppError('invalid_request', { errors: [{ path: '/sources', message: '"*" already means every source; list nothing else with it' }] });
      }
      const now = clock();
      const secret = newApiKey();
      const key: StoredApiKey = {
        id: secret.id,
        name: body.name,
        keyHash: secret.hash,
        scopes: body.scopes,
        sources: body.sources,
        createdBy: actorOf(principal),
        createdAt: now,
        expiresAt: body.expires_in_days === undefined ? null : now + body.expires_in_days * DAY_MS,
        lastUsedAt: null,
        revokedAt: null,
      };
      await keys.insert(key);
      return { ...publicKey(key), key: secret.key };
    },
    async revoke(principal, id) {
      await visible(principal, id);
      if (!(await keys.revoke(id, clock()))) throw new AppError('conflict', { detail: 'The key is already revoked' });
      await directory.forgetKey(id);
    },
  };
}
