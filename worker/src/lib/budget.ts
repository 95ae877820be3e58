// A request budget: at most `perSecond` calls inside any window of one second plus a safety margin
// (jitter on the way can bunch calls up). Calls are recorded at the moment they are really sent,
// not when they were scheduled, so a call that left late can never push a window over the limit.
//
// A slot is held for one second plus the margin after the send; when the answer comes back sooner,
// it is released one second after the answer instead. The server had the call before it answered,
// so a call sent one second after that answer can never share a one-second window with it.
export interface BudgetSlot {
  /** The answer (status line) came back now: the slot frees one second from now if that is sooner. */
  answered(at?: number): void;
}

export class RequestBudget {
  private slots: { freeAt: number }[] = [];

  constructor(
    private perSecond: number,
    private marginMs = 180,
  ) {}

  /** Records a send at `now` and returns its slot, or returns how long to wait before asking again. */
  tryTake(now: number): BudgetSlot | number {
    this.slots = this.slots.filter((s) => s.freeAt > now);
    if (this.slots.length < this.perSecond) {
      const slot = { freeAt: now + 1000 + this.marginMs };
      this.slots.push(slot);
      return { answered: (at = Date.now()) => void (slot.freeAt = Math.min(slot.freeAt, at + 1000)) };
    }
    return Math.max(1, Math.min(...this.slots.map((s) => s.freeAt)) - now);
  }

  /** Waits until a send fits in the budget and records it. */
  async take(): Promise<BudgetSlot> {
    for (;;) {
      const slot = this.tryTake(Date.now());
      if (typeof slot !== "number") return slot;
      await sleep(slot);
    }
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
