import type { Source, SourceCreateBody, SourcePatchBody } from '@sightline/protocol';
import { rollupDimensionsProblems } from '@sightline/query';
import { AppError } from '../../errors.js';
import type { Invalidations } from '../../platform/invalidation.js';
import type { EventStore, PiiAction, SourceStore, StoredSource } from '../../store/types.js';
import type { Access } from '../auth/permissions.js';
import { piiRuleErrors, type PiiRules } from '../ingest/pii.js';
import { SecretBoxError, type SecretBox } from '../security/secret-box.js';

export interface SourceChange {
  source: Source;
  /** The fields the request set (for the audit trail; never their secret values). */
  fields: string[];
}

export interface RotationResult {
  /** Secrets re-encrypted under the current key. */
  reencrypted: number;
  /** Sources whose secret could not be opened (unknown key or failed integrity check). */
  failed: { source: string; reason: SecretBoxError['reason'] }[];
}

export interface SourceService {
  /** Loads every source's PII rules into the ingest cache (at start, and whenever changes may have been missed). */
  load(): Promise<void>;
  list(access: Access): Promise<Source[]>;
  get(access: Access, name: string): Promise<Source>;
  create(access: Access, body: SourceCreateBody): Promise<SourceChange>;
  update(access: Access, name: string, body: SourcePatchBody): Promise<SourceChange>;
  remove(access: Access, name: string): Promise<void>;
  /** The webhook secret in clear, for whatever verifies the source's signed webhooks. */
  webhookSecret(name: string): Promise<string | undefined>;
  /** Re-encrypts every webhook secret sealed under an older key with the current key. */
  rotateSecrets(): Promise<RotationResult>;
}

/** Binds a sealed secret to its record: a ciphertext copied to another source does not open there. */
const webhookContext = (source: string) => `source:${source}:webhook_secret`;

function publicSource(s: StoredSource): Source {
  return {
    name: s.name,
    description: s.description,
    retention_days: s.retentionDays,
    pii: s.pii,
    has_webhook_secret: s.webhookSecret !== null,
    rollup: { dimensions: [...s.rollupDimensions] },
    created_at: new Date(s.createdAt).toISOString(),
    updated_at: new Date(s.updatedAt).toISOString(),
  };
}

function checkRules(rules: Readonly<Record<string, string>> | undefined): Record<string, PiiAction> | undefined {
  if (rules === undefined) return undefined;
  const errors = piiRuleErrors(rules);
  if (errors.length > 0) throw new AppError('invalid_request', { detail: 'The PII rules are not valid', errors });
  return { ...rules } as Record<string, PiiAction>;
}

/** Declared rollup dimensions, checked one by one so each bad one is reported at its own path. */
function checkDimensions(rollup: { dimensions: string[] } | undefined): string[] | undefined {
  if (rollup === undefined) return undefined;
  const problems = rollupDimensionsProblems(rollup.dimensions);
  if (problems.length > 0) {
    const errors = problems.map((p) => ({ path: `/rollup/dimensions${p.index === undefined ? '' : `/${p.index}`}`, message: p.detail }));
    throw new AppError('invalid_request', { detail: 'The rollup dimensions are not valid', errors });
  }
  return [...rollup.dimensions];
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function createSourceService(deps: {
  sources: SourceStore;
  pii: PiiRules;
  box: SecretBox;
  clock?: () => number;
  /** Rebuilds a source's rollups when its declared dimensions change (the event store). */
  rollups?: Pick<EventStore, 'setRollupDimensions' | 'reloadRollupLayout'>;
  /**
   * Changes are announced to the other instances; theirs reload the source's PII rules and the
   * event store's rollup layout here (everything, when announcements may have been lost).
   */
  invalidations?: Invalidations;
}): SourceService {
  const { sources, pii, box, rollups, invalidations } = deps;
  const applyDimensions = async (name: string, before: readonly string[], after: readonly string[]) => {
    if (!sameList(before, after)) await rollups?.setRollupDimensions(name, after);
  };
  const clock = deps.clock ?? Date.now;
  // Changes run one at a time: a create cannot race another create of the same name, and the
  // ingest cache is refreshed in the order the store saw the changes.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  const notFound = (name: string) => new AppError('not_found', { detail: `No source named "${name}"` });
  const readable = async (access: Access, name: string): Promise<StoredSource> => {
    const source = access.canRead(name) ? await sources.get(name) : undefined;
    if (!source) throw notFound(name); // not visible to you is not found
    return source;
  };
  const checkWritable = (access: Access, name: string) => {
    if (!access.canWrite(name)) throw new AppError('forbidden', { detail: `You may not change the source "${name}"` });
  };
  /** After a change committed and was applied here: the other instances reload the source. */
  const announced = async <T>(name: string, change: Promise<T>): Promise<T> => {
    const result = await change;
    await invalidations?.announce({ kind: 'source', id: name });
    return result;
  };
  const loadAll = async () => pii.replaceAll(await sources.list());
  // Reloads run in the queue of changes, so that a reload that read before a change made here
  // cannot overwrite that change's rules with older ones.
  invalidations?.on('source', ({ id }) =>
    serially(async () => {
      const source = await sources.get(id);
      if (source) pii.set(id, source.pii);
      else pii.remove(id);
      await rollups?.reloadRollupLayout();
    }),
  );
  invalidations?.onResync(() =>
    serially(async () => {
      await loadAll();
      await rollups?.reloadRollupLayout();
    }),
  );

  return {
    load: () => serially(loadAll),

    async list(access) {
      return (await sources.list()).filter((s) => access.canRead(s.name)).map(publicSource);
    },

    async get(access, name) {
      return publicSource(await readable(access, name));
    },

    create(access, body) {
      checkWritable(access, body.name);
      const rules = checkRules(body.pii) ?? {};
      const dimensions = checkDimensions(body.rollup) ?? [];
      return announced(body.name, serially(async () => {
        if (await sources.get(body.name)) throw new AppError('conflict', { detail: `A source named "${body.name}" already exists` });
        const now = clock();
        const source: StoredSource = {
          name: body.name,
          description: body.description ?? '',
          retentionDays: body.retention_days ?? null,
          pii: rules,
          webhookSecret: body.webhook_secret === undefined ? null : box.encrypt(body.webhook_secret, webhookContext(body.name)),
          rollupDimensions: dimensions,
          createdAt: now,
          updatedAt: now,
        };
        await sources.put(source);
        // Events may already exist under this name (ingest does not need a source row).
        await applyDimensions(source.name, [], dimensions);
        pii.set(source.name, source.pii);
        return { source: publicSource(source), fields: Object.keys(body).filter((k) => k !== 'name') };
      }));
    },

    update(access, name, body) {
      const rules = checkRules(body.pii);
      const dimensions = checkDimensions(body.rollup);
      return announced(name, serially(async () => {
        const current = await readable(access, name);
        checkWritable(access, name);
        const next: StoredSource = {
          ...current,
          description: body.description ?? current.description,
          retentionDays: body.retention_days === undefined ? current.retentionDays : body.retention_days,
          pii: rules ?? current.pii,
          webhookSecret:
            body.webhook_secret === undefined
              ? current.webhookSecret
              : body.webhook_secret === null
                ? null
                : box.encrypt(body.webhook_secret, webhookContext(name)),
          rollupDimensions: dimensions ?? current.rollupDimensions,
          updatedAt: clock(),
        };
        await sources.put(next);
        await applyDimensions(name, current.rollupDimensions, next.rollupDimensions);
        pii.set(name, next.pii);
        return { source: publicSource(next), fields: Object.keys(body) };
      }));
    },

    remove(access, name) {
      return announced(name, serially(async () => {
        await readable(access, name);
        checkWritable(access, name);
        const current = await sources.get(name);
        if (!(await sources.delete(name))) throw notFound(name);
        pii.remove(name);
        // The events stay; their rollups drop the dimensions no one declares any more.
        await applyDimensions(name, current?.rollupDimensions ?? [], []);
      }));
    },

    async webhookSecret(name) {
      const sealed = (await sources.get(name))?.webhookSecret;
      return sealed == null ? undefined : box.decrypt(sealed, webhookContext(name));
    },

    rotateSecrets() {
      return serially(async () => {
        const result: RotationResult = { reencrypted: 0, failed: [] };
        for (const source of await sources.list()) {
          const sealed = source.webhookSecret;
          if (sealed === null || !box.isStale(sealed)) continue;
          let resealed: string;
          try {
            resealed = box.reencrypt(sealed, webhookContext(source.name));
          } catch (error) {
            if (!(error instanceof SecretBoxError)) throw error;
            result.failed.push({ source: source.name, reason: error.reason });
            continue;
          }
          if (await sources.replaceWebhookSecret(source.name, sealed, resealed)) result.reencrypted++;
        }
        return result;
      });
    },
  };
}
