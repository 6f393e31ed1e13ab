import type { Bus } from '../../platform/bus.js';

const CHANNEL = 'live:interest';
/** How long an announcement holds; instances with listeners repeat theirs well within it. */
const HOLD_MS = 30_000;
const REPEAT_MS = 10_000;

/**
 * Which other instances have live listeners (tails or live queries), so that stored batches are
 * sent to them in full only when someone will use the events: serialising a 10,000-event batch
 * costs ≈ 13 ms and parsing it ≈ 24 ms on every instance, a price not worth paying for nobody.
 * Instances without listeners still get each batch's sequence numbers (their live bound).
 */
export class LiveInterest {
  /** Other instances' announcements: their id → until when (this instance's clock). */
  private readonly others = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly off: () => void;
  private announced = false;

  constructor(
    private readonly bus: Bus,
    private readonly id: string,
    private readonly listening: () => boolean,
  ) {
    this.off = bus.subscribe<{ id: string }>(CHANNEL, (m, origin) => {
      if (origin === 'remote') this.others.set(m.id, Date.now() + HOLD_MS);
    });
    this.timer = setInterval(() => {
      this.announced = false;
      this.changed();
    }, REPEAT_MS);
    this.timer.unref();
  }

  /** Whether another instance may want stored batches in full. */
  anyone(): boolean {
    const now = Date.now();
    for (const [id, until] of this.others) {
      if (until > now) return true;
      this.others.delete(id);
    }
    return false;
  }

  /** Call when this instance may have gained listeners: it says so at once. */
  changed(): void {
    if (this.announced || !this.listening()) return;
    this.announced = true;
    this.bus.publish(CHANNEL, { id: this.id });
  }

  close(): void {
    clearInterval(this.timer);
    this.off();
  }
}
