// A request budget of `perSecond` slots. A call holds its slot from the moment it is sent until one
// second after its answer: the server saw the call before it answered, so two calls on one slot
// reach the server at least a second apart and no second there ever holds more than `perSecond` of
// ours, however long the calls spent on the way. (A window of send times plus a margin broke as
// soon as transit jitter outgrew the margin, e.g. on a busy machine.)
export class RequestBudget {
  /** Per slot: when it is free again; while its call is out, when we stop waiting for the answer. */
  private freeAt: number[];
  private out: boolean[];
  private wake: (() => void)[] = [];

  constructor(
    private perSecond: number,
    private holdMs = 1000,
    /** A slot whose release never came is taken back after this long (calls time out well before). */
    private maxOutMs = 60_000,
  ) {
    this.freeAt = Array.from({ length: perSecond }, () => 0);
    this.out = Array.from({ length: perSecond }, () => false);
  }

  /** Waits for a free slot and takes it; call the returned function once the answer (or the failure) is in. */
  async take(): Promise<() => void> {
    for (;;) {
      const now = Date.now();
      let soonest = Number.POSITIVE_INFINITY;
      let anyOut = false;
      for (let i = 0; i < Math.min(this.perSecond, this.freeAt.length); i++) {
        if (this.freeAt[i]! <= now) return this.hold(i, now);
        soonest = Math.min(soonest, this.freeAt[i]!);
        anyOut ||= this.out[i]!;
      }
      // A release frees a slot one hold later: wake then, or at the soonest known free time.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, soonest - now));
        if (anyOut)
          this.wake.push(() => {
            clearTimeout(timer);
            setTimeout(resolve, this.holdMs);
          });
      });
    }
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
    while (this.freeAt.length < perSecond) {
      this.freeAt.push(0);
      this.out.push(false);
    }
  }

  private hold(slot: number, now: number): () => void {
    this.out[slot] = true;
    this.freeAt[slot] = now + this.maxOutMs;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.out[slot] = false;
      this.freeAt[slot] = Date.now() + this.holdMs;
      const waiting = this.wake;
      this.wake = [];
      for (const w of waiting) w();
    };
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
