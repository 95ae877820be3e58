// A request budget: at most `perSecond` calls inside any window of one second plus a safety margin
// (network jitter can bunch calls up on the way). Pure: the caller sleeps for what `reserve` says.
export class RequestBudget {
  private sent: number[] = [];

  constructor(
    private perSecond: number,
    private marginMs = 120,
  ) {}

  /** Reserves the next free slot; returns how long to wait before sending. */
  reserve(now: number): number {
    const windowMs = 1000 + this.marginMs;
    this.sent = this.sent.filter((t) => t > now - windowMs);
    let slot = now;
    if (this.sent.length >= this.perSecond) {
      const oldestInWindow = this.sent[this.sent.length - this.perSecond]!;
      slot = Math.max(now, oldestInWindow + windowMs);
    }
    this.sent.push(slot);
    this.sent.sort((a, b) => a - b);
    return slot - now;
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
