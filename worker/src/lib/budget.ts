// A request budget: at most `perSecond` calls inside any window of one second plus a safety margin
// (jitter on the way can bunch calls up). Calls are recorded at the moment they are really sent,
// not when they were scheduled, so a call that left late can never push a window over the limit.
export class RequestBudget {
  private sent: number[] = [];

  constructor(
    private perSecond: number,
    private marginMs = 180,
  ) {}

  /** Records a send at `now` and returns 0, or returns how long to wait before asking again. */
  tryTake(now: number): number {
    const windowMs = 1000 + this.marginMs;
    while (this.sent.length && this.sent[0]! <= now - windowMs) this.sent.shift();
    if (this.sent.length < this.perSecond) {
      this.sent.push(now);
      return 0;
    }
    return Math.max(1, this.sent[0]! + windowMs - now);
  }

  /** Waits until a send fits in the budget and records it. */
  async take(): Promise<void> {
    for (;;) {
      const wait = this.tryTake(Date.now());
      if (wait === 0) return;
      await sleep(wait);
    }
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
