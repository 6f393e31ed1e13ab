import type { LiveQueryResult } from '@sightline/protocol';
import { SightlineError } from './errors.js';
import type { HttpClient } from './http.js';
import type { Channel } from './live-channel.js';

export const QUERY_PATH = '/v1/query';

export interface PollerHooks {
  /** The query channels to poll now. */
  channels(): Channel[];
  /** A result fetched for `channel` (the caller decides whether it is new). */
  deliver(channel: Channel, data: LiveQueryResult): void;
  /** The server will never answer this query (invalid, forbidden, gone). */
  refuse(channel: Channel, error: SightlineError): void;
  /** A round ended: how many channels answered, out of how many polled. */
  roundDone(answered: number, polled: number): void;
  onError(error: SightlineError): void;
}

/**
 * The fallback while the live socket is down: every query subscription is fetched with
 * POST /v1/query every `intervalMs`. `events:` tails have no HTTP equivalent and are not polled.
 */
export class LivePoller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by stop(): answers of an older generation arrive after the socket came back and are dropped. */
  private generation = 0;
  private runningFlag = false;
  /** 401s are reported once per outage, not once per round. */
  private reportedUnauthorized = false;

  constructor(
    private readonly http: HttpClient,
    private readonly intervalMs: number,
    private readonly hooks: PollerHooks,
  ) {}

  get running(): boolean {
    return this.runningFlag;
  }

  /** Polls now, then every interval, until stop(). Does nothing if already running. */
  start(): void {
    if (this.runningFlag) return;
    this.runningFlag = true;
    this.reportedUnauthorized = false;
    void this.round(this.generation);
  }

  stop(): void {
    this.runningFlag = false;
    this.generation++;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Polls one channel at once (a subscription made while polling should not wait a whole interval). */
  pollNow(channel: Channel): void {
    if (!this.runningFlag) return;
    void this.pollOne(channel, this.generation);
  }

  private async round(generation: number): Promise<void> {
    const channels = this.hooks.channels();
    const answers = await Promise.all(channels.map((c) => this.pollOne(c, generation)));
    if (generation !== this.generation) return;
    this.hooks.roundDone(answers.filter(Boolean).length, channels.length);
    // Chained timeouts, not an interval: a slow server never has two rounds of ours at once.
    this.timer = setTimeout(() => void this.round(generation), this.intervalMs);
  }

  /** Answers whether the server answered (successfully). */
  private async pollOne(channel: Channel, generation: number): Promise<boolean> {
    try {
      const data = await this.http.post<LiveQueryResult>(QUERY_PATH, channel.query);
      if (generation === this.generation) this.hooks.deliver(channel, data);
      return true;
    } catch (caught) {
      if (generation !== this.generation || !(caught instanceof SightlineError)) return false;
      if (caught.code === 'unauthorized') {
        if (!this.reportedUnauthorized) this.hooks.onError(caught);
        this.reportedUnauthorized = true;
      } else if (!caught.retryable && caught.status >= 400 && caught.status < 500) {
        // 400/403/404/422: asking again will not change the answer.
        this.hooks.refuse(channel, caught);
      }
      return false;
    }
  }
}
