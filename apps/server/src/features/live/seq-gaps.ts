/**
 * Watches the sequence numbers of the batches the live channel hears of, from every instance.
 * Batches of other instances may arrive after later ones (each instance publishes as it commits),
 * so a hole is normal for a moment; a hole still open after `waitMs` means a batch was lost (it was
 * published while Redis was unreachable) and `onGap` is called, once per such hole, so that live
 * queries are recomputed from the database instead of missing its events for good.
 */
export class SeqGaps {
  /** Every seq up to this one was seen (or given up on). */
  private contiguous: number | undefined;
  /** Ranges seen beyond `contiguous`, sorted by start, not touching each other. */
  private ahead: { first: number; last: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly waitMs: number,
    private readonly onGap: () => void,
  ) {}

  seen(first: number, last: number): void {
    if (this.contiguous === undefined) {
      this.contiguous = last; // what came before this instance listened is not its concern
      return;
    }
    if (last <= this.contiguous) return;
    this.insert(Math.max(first, this.contiguous + 1), last);
    this.advance();
    if (this.ahead.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.expire(), this.waitMs);
      this.timer.unref();
    }
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private insert(first: number, last: number): void {
    const ranges = [...this.ahead, { first, last }].sort((a, b) => a.first - b.first);
    const merged: { first: number; last: number }[] = [];
    for (const r of ranges) {
      const top = merged[merged.length - 1];
      if (top && r.first <= top.last + 1) top.last = Math.max(top.last, r.last);
      else merged.push({ ...r });
    }
    this.ahead = merged;
  }

  private advance(): void {
    while (this.ahead.length > 0 && this.ahead[0]!.first <= this.contiguous! + 1) {
      this.contiguous = Math.max(this.contiguous!, this.ahead.shift()!.last);
    }
  }

  /** The wait is over: give up on the holes (the queries are recomputed) and start afresh. */
  private expire(): void {
    this.timer = undefined;
    if (this.ahead.length === 0) return;
    this.contiguous = this.ahead[this.ahead.length - 1]!.last;
    this.ahead = [];
    this.onGap();
  }
}
