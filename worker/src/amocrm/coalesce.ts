// Gathers calls that arrive close together into one batch: the first waits a short moment for
// company, a full batch goes at once, and batches leave one after another, so while one is on its
// way (or waiting for the request budget) the next one fills up.
import { sleep } from "../lib/budget";

interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export class Coalescer<I, O> {
  private pending: Waiting<I, O>[] = [];
  private running = false;

  constructor(
    private max: number,
    private lingerMs: number,
    private flush: (items: I[]) => Promise<O[]>,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length) {
        if (this.pending.length < this.max) await sleep(this.lingerMs);
        const batch = this.pending.splice(0, this.max);
        try {
          const out = await this.flush(batch.map((w) => w.item));
          batch.forEach((w, i) => w.resolve(out[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
