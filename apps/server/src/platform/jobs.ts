import { Queue, Worker, type Job } from 'bullmq';
import { Counter, type Registry } from 'prom-client';
import type { PlatformLog, RedisPlatform } from './redis.js';

/** A kind of background work. */
export interface JobDefinition {
  name: string;
  run(data: unknown): Promise<unknown>;
  /** Tries in all (1: no retry). */
  attempts?: number;
  /** The first retry's delay; each further one doubles it. */
  backoffMs?: number;
}

/** What happened to a job, for the `jobs:<id>` live topic. */
export interface JobOutcome {
  id: string;
  name: string;
  state: 'completed' | 'failed' | 'retrying';
  attempt: number;
  result?: unknown;
  error?: string;
}

/**
 * Background jobs: one-off (`enqueue`) and repeated (`schedule`), with retries and exponential
 * backoff. With Redis, BullMQ shares them between instances: a job runs on one instance, and a
 * scheduled job runs once per tick however many instances schedule it (BullMQ's job schedulers
 * are upserted by id). Without Redis, timers in this process.
 */
export interface JobQueue {
  readonly kind: 'memory' | 'redis';
  define(definition: JobDefinition): void;
  /** Runs `name` every `everyMs` from now on (idempotent: the same name replaces its schedule). */
  schedule(name: string, everyMs: number): void;
  /** Queues one run of `name`; resolves with the job's id. */
  enqueue(name: string, data?: unknown): Promise<string>;
  /** Starts taking jobs (after every definition). */
  start(): void;
  close(): Promise<void>;
}

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 1000;

/** Counts job runs by name and outcome on the app's /metrics. */
function jobCounter(registry: Registry): Counter<'job' | 'outcome'> {
  const existing = registry.getSingleMetric('sightline_jobs_total');
  if (existing) return existing as Counter<'job' | 'outcome'>;
  return new Counter({ name: 'sightline_jobs_total', help: 'Background job runs by job and outcome (completed, failed, retried).', labelNames: ['job', 'outcome'], registers: [registry] });
}

abstract class BaseQueue {
  protected readonly definitions = new Map<string, JobDefinition>();
  protected readonly runs: Counter<'job' | 'outcome'>;

  constructor(
    protected readonly log: PlatformLog,
    registry: Registry,
    protected readonly onOutcome: (outcome: JobOutcome) => void,
  ) {
    this.runs = jobCounter(registry);
  }

  define(definition: JobDefinition): void {
    this.definitions.set(definition.name, definition);
  }

  protected definition(name: string): JobDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new Error(`no job named ${name}`);
    return definition;
  }
}

/** One instance: timers, retries with backoff, one run of a schedule at a time. */
export class MemoryJobQueue extends BaseQueue implements JobQueue {
  readonly kind = 'memory' as const;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly schedules = new Map<string, number>();
  private readonly busy = new Set<string>();
  private started = false;
  private closed = false;
  private nextId = 1;

  schedule(name: string, everyMs: number): void {
    this.definition(name);
    this.schedules.set(name, everyMs);
    if (this.started) this.startSchedule(name, everyMs);
  }

  async enqueue(name: string, data?: unknown): Promise<string> {
    this.definition(name);
    const id = `local-${this.nextId++}`;
    void this.attempt(id, name, data, 1);
    return id;
  }

  start(): void {
    this.started = true;
    for (const [name, everyMs] of this.schedules) this.startSchedule(name, everyMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    this.timers.clear();
  }

  private startSchedule(name: string, everyMs: number): void {
    const timer = setInterval(() => {
      // A run that outlasts the interval is not doubled up (BullMQ behaves the same).
      if (this.busy.has(name)) return;
      this.busy.add(name);
      void this.attempt(`scheduled-${name}-${this.nextId++}`, name, undefined, 1).finally(() => this.busy.delete(name));
    }, everyMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(id: string, name: string, data: unknown, attempt: number): Promise<void> {
    if (this.closed) return;
    const definition = this.definition(name);
    try {
      const result = await definition.run(data);
      this.runs.inc({ job: name, outcome: 'completed' });
      this.onOutcome({ id, name, state: 'completed', attempt, result });
    } catch (error) {
      const attempts = definition.attempts ?? DEFAULT_ATTEMPTS;
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts || this.closed) {
        this.runs.inc({ job: name, outcome: 'failed' });
        this.log.warn({ err: error, job: name, attempt }, 'a background job failed');
        this.onOutcome({ id, name, state: 'failed', attempt, error: message });
        return;
      }
      this.runs.inc({ job: name, outcome: 'retried' });
      this.onOutcome({ id, name, state: 'retrying', attempt, error: message });
      const delay = (definition.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, delay);
        timer.unref();
        this.timers.add(timer);
      });
      await this.attempt(id, name, data, attempt + 1);
    }
  }
}

/** How long shutdown waits for a running job to finish. */
const CLOSE_WAIT_MS = 10_000;

/** Resolves when `work` settles or after `ms`, whichever comes first (never rejects). */
async function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** The queue's name in Redis (under the prefix): one queue carries every kind of job. */
const QUEUE_NAME = 'jobs';

/** Several instances: BullMQ on Redis. */
export class RedisJobQueue extends BaseQueue implements JobQueue {
  readonly kind = 'redis' as const;
  private readonly queue: Queue;
  private readonly worker: Worker;
  private readonly schedules = new Map<string, number>();
  private readonly offReady: () => void;
  private complaining = false;

  constructor(
    private readonly redis: RedisPlatform,
    log: PlatformLog,
    registry: Registry,
    onOutcome: (outcome: JobOutcome) => void,
  ) {
    super(log, registry, onOutcome);
    const connection = redis.bullConnection();
    const prefix = redis.key('bull');
    this.queue = new Queue(QUEUE_NAME, { connection, prefix });
    this.worker = new Worker(QUEUE_NAME, (job) => this.process(job), { connection, prefix, concurrency: 1, autorun: false });
    const complain = (error: Error) => {
      // BullMQ reports every failed reconnection; one line per outage is enough.
      if (this.complaining) return;
      this.complaining = true;
      this.log.warn({ err: { message: error.message } }, 'job queue cannot reach redis; jobs wait until it is back');
    };
    this.queue.on('error', complain);
    this.worker.on('error', complain);
    this.worker.on('completed', (job: Job, result: unknown) => {
      this.complaining = false;
      this.runs.inc({ job: job.name, outcome: 'completed' });
      this.onOutcome({ id: job.id ?? '', name: job.name, state: 'completed', attempt: job.attemptsMade, result });
    });
    this.worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      this.runs.inc({ job: job.name, outcome: final ? 'failed' : 'retried' });
      if (final) this.log.warn({ err: { message: error.message }, job: job.name, attempt: job.attemptsMade }, 'a background job failed');
      this.onOutcome({ id: job.id ?? '', name: job.name, state: final ? 'failed' : 'retrying', attempt: job.attemptsMade, error: error.message });
    });
    // A Redis that lost its data (a restart without persistence) lost the schedulers: upsert again.
    this.offReady = redis.onReady(() => {
      for (const [name, everyMs] of this.schedules) this.upsert(name, everyMs);
    });
  }

  schedule(name: string, everyMs: number): void {
    this.definition(name);
    this.schedules.set(name, everyMs);
    this.upsert(name, everyMs);
  }

  async enqueue(name: string, data?: unknown): Promise<string> {
    const job = await this.queue.add(name, data ?? null, this.jobOptions(name));
    return job.id ?? '';
  }

  start(): void {
    void this.worker.run().catch((error: unknown) => this.log.warn({ err: error }, 'job worker stopped'));
  }

  /**
   * Lets a running job finish, then closes the connections. BullMQ's close waits for Redis, which
   * may be gone: shutdown must not hang on it, so each step is bounded and then cut.
   */
  async close(): Promise<void> {
    this.offReady();
    const redisUp = this.redis.status === 'up';
    await bounded(this.worker.close(!redisUp), redisUp ? CLOSE_WAIT_MS : 500);
    await bounded(this.queue.close(), redisUp ? 2000 : 500);
    await bounded(Promise.all([this.worker.disconnect(), this.queue.disconnect()]), 500);
  }

  private jobOptions(name: string) {
    const definition = this.definition(name);
    return {
      attempts: definition.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: definition.backoffMs ?? DEFAULT_BACKOFF_MS },
      // Enough history to look into, bounded so that Redis does not grow.
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 1000 },
    };
  }

  /** Upserts the scheduler (waits for Redis if it is down: BullMQ's connection queues commands). */
  private upsert(name: string, everyMs: number): void {
    this.queue.upsertJobScheduler(name, { every: everyMs }, { name, data: null, opts: this.jobOptions(name) }).catch((error: unknown) => {
      this.log.warn({ err: error, job: name }, 'could not schedule a job; trying again when redis is back');
    });
  }

  private async process(job: Job): Promise<unknown> {
    return this.definition(job.name).run(job.data);
  }
}
