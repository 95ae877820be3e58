// Gathers calls that arrive close together into one batch: the first waits a short moment for
// company, a full batch goes at once, and while a batch is on its way (or waiting for the request
// budget) the next one fills up. A batch that is stuck (a timeout, a 429 wait) does not hold the
// others back for long: after `stallMs` the next one goes beside it.
interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export class Coalescer<I, O> {
  private pending: Waiting<I, O>[] = [];
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The pending items have waited their turn: the next pump sends them. */
  private due = false;

  constructor(
    private max: number,
    private lingerMs: number,
    private flush: (items: I[]) => Promise<O[]>,
    private stallMs = 1000,
    private maxInFlight = 3,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (!this.pending.length || this.timer || this.inFlight >= this.maxInFlight) return;
    if (this.pending.length < this.max && !this.due) {
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.due = true;
          this.pump();
        },
        this.inFlight === 0 ? this.lingerMs : this.stallMs,
      );
      return;
    }
    this.due = false;
    const batch = this.pending.splice(0, this.max);
    this.inFlight++;
    void this.send(batch).finally(() => {
      this.inFlight--;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      // Whatever gathered meanwhile has waited long enough; a later newcomer waits for company again.
      this.due = this.pending.length > 0;
      this.pump();
    });
  }

  private async send(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const out = await this.flush(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
