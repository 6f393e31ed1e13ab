import { createHash } from 'node:crypto';
import type { MetricDefinition, QueryAnswer } from '@sightline/protocol';
import type { QueryPlan } from '@sightline/query';
import type { CacheConfig } from '../../config.js';
import type { ResultCache } from '../../platform/cache.js';
import { canonicalJson } from '../live/live-queries.js';

/** A lookup's outcome: the cached answer on a hit; on a miss, `keep` stores the answer computed. */
export interface CachedLookup {
  answer: QueryAnswer | undefined;
  keep(answer: QueryAnswer): void;
}

const NOTHING: CachedLookup = { answer: undefined, keep: () => undefined };

/**
 * The query service's side of the result cache: which key an answer is kept under, for how long,
 * and over which scope it is invalidated. The key is a hash of everything the answer depends on:
 * the query's canonical text, the metric catalog's definitions (a changed metric must not be
 * answered from before the change) and the tier (dialects may round differently).
 */
export class QueryResultCache {
  /** Fingerprints of catalog maps (the catalog hands out one map until it changes). */
  private readonly fingerprints = new WeakMap<ReadonlyMap<string, MetricDefinition>, string>();

  constructor(
    private readonly cache: ResultCache,
    private readonly ttl: CacheConfig,
    private readonly tier: string,
  ) {}

  async lookup(body: unknown, plan: QueryPlan, metrics: ReadonlyMap<string, MetricDefinition>): Promise<CachedLookup> {
    const ttlSeconds = this.ttlOf(body, plan);
    if (ttlSeconds <= 0) return NOTHING;
    const key = createHash('sha256').update(`${this.tier}\n${this.fingerprint(metrics)}\n${canonicalJson(body)}`).digest('base64url');
    // A range ending "now" takes in whatever lands later, however late.
    const scope = { sources: plan.scope.sources, from: plan.scope.from, to: plan.scope.relative ? Number.POSITIVE_INFINITY : plan.scope.to };
    const { value, ticket } = await this.cache.lookup(key, scope);
    if (value !== undefined) return { answer: JSON.parse(value) as QueryAnswer, keep: () => undefined };
    if (ticket === undefined) return NOTHING;
    return {
      answer: undefined,
      keep: (answer) => void this.cache.store(key, JSON.stringify(answer), scope, ttlSeconds, ticket),
    };
  }

  private ttlOf(body: unknown, plan: QueryPlan): number {
    if (!plan.scope.relative) return this.ttl.absoluteSeconds;
    const kind = body !== null && typeof body === 'object' ? (body as { kind?: unknown }).kind : undefined;
    return kind === 'funnel' ? this.ttl.relativeFunnelSeconds : this.ttl.relativeSeconds;
  }

  private fingerprint(metrics: ReadonlyMap<string, MetricDefinition>): string {
    let known = this.fingerprints.get(metrics);
    if (known === undefined) {
      const text = canonicalJson([...metrics.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      known = createHash('sha256').update(text).digest('base64url').slice(0, 16);
      this.fingerprints.set(metrics, known);
    }
    return known;
  }
}
