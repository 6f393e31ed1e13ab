import type { EventInput, IngestResult, LiveQueryResult, Query } from '@sightline/protocol';
import { HttpClient } from './http.js';
import { IngestQueue } from './ingest-queue.js';
import { LiveClient } from './live.js';
import { AccountApi, CatalogApi, DashboardsApi } from './resources.js';
import { QUERY_PATH } from './live-poller.js';
import { resolveOptions, type SightlineOptions } from './options.js';

/** What POST /v1/query answers: `{ columns, rows, meta }`. */
export type QueryResult = LiveQueryResult;

/**
 * A Sightline client: `track` events (batched, retried, deduplicated), `query`, and `live`
 * subscriptions that reconnect and fall back to polling.
 *
 * ```ts
 * const sl = new Sightline({ url: 'http://127.0.0.1:8080', apiKey: 'sl_…' });
 * sl.track({ source: 'shop', name: 'order_completed', value: 42 });
 * await sl.flush();
 * ```
 */
export class Sightline {
  /** The live channel (WebSocket `/v1/live`); it connects at the first subscription. */
  readonly live: LiveClient;
  /** Dashboards: list, get, create, update, remove, duplicate, data. */
  readonly dashboards: DashboardsApi;
  /** Metrics, KPIs and sources. */
  readonly catalog: CatalogApi;
  /** The signed-in principal: `me()`, `logout()`. */
  readonly account: AccountApi;
  private readonly http: HttpClient;
  private readonly ingest: IngestQueue;
  private closing: Promise<void> | undefined;

  constructor(options: SightlineOptions) {
    const resolved = resolveOptions(options);
    this.http = new HttpClient(resolved);
    this.ingest = new IngestQueue(this.http, resolved);
    this.dashboards = new DashboardsApi(this.http);
    this.catalog = new CatalogApi(this.http);
    this.account = new AccountApi(this.http);
    this.live = new LiveClient(this.http, { ...resolved, tokenIsDynamic: typeof options.token === 'function' });
  }

  /**
   * Queues an event; it is sent with the next batch. An event without `id` gets a random one, so
   * that a batch retried after a lost answer is stored once. Failures go to `onError`.
   */
  track(event: EventInput): void {
    this.ingest.track(event);
  }

  /**
   * Sends everything tracked so far and resolves once the server has stored it (the sum of the
   * acknowledgements). Rejects with a SightlineError when some of it could not be stored; the
   * error's `events` are those events and `errors[].path` point into them.
   */
  flush(): Promise<IngestResult> {
    return this.ingest.flush();
  }

  /** Events tracked and not yet acknowledged. */
  get pendingEvents(): number {
    return this.ingest.pending;
  }

  /** Runs a query (POST /v1/query). Rejects with a SightlineError carrying the problem details. */
  query(query: Query, options: { signal?: AbortSignal } = {}): Promise<QueryResult> {
    return this.http.post<QueryResult>(QUERY_PATH, query, options.signal);
  }

  /**
   * Closes the live channel, sends what is still queued, and refuses further events. Rejects like
   * flush() when the last events could not be stored.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.live.close();
      await this.ingest.close();
    })();
    return this.closing;
  }
}
