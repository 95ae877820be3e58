// Sliding one-second window per key: tells whether a call is over the limit and remembers the
// highest number of calls ever seen inside one second (what tests assert the budget against).
export class RateWindow {
  private hits = new Map<string, number[]>();
  private peaks = new Map<string, number>();
  private acceptedHits = new Map<string, number[]>();
  private acceptedPeaks = new Map<string, number>();

  constructor(
    public limitPerSecond: number,
    private now: () => number = () => Date.now(),
  ) {}

  /** Records a call; returns true when it is within the limit. */
  hit(key: string): boolean {
    const t = this.now();
    const all = this.trim(this.hits, key, t);
    all.push(t);
    this.peaks.set(key, Math.max(this.peaks.get(key) ?? 0, all.length));
    const accepted = this.trim(this.acceptedHits, key, t);
    if (accepted.length >= this.limitPerSecond) return false;
    accepted.push(t);
    this.acceptedPeaks.set(key, Math.max(this.acceptedPeaks.get(key) ?? 0, accepted.length));
    return true;
  }

  /** Highest number of calls (accepted or refused) seen inside any one-second window. */
  peak(key: string): number {
    return this.peaks.get(key) ?? 0;
  }

  acceptedPeak(key: string): number {
    return this.acceptedPeaks.get(key) ?? 0;
  }

  reset(key?: string): void {
    for (const m of [this.hits, this.peaks, this.acceptedHits, this.acceptedPeaks]) {
      if (key === undefined) m.clear();
      else m.delete(key);
    }
  }

  private trim(map: Map<string, number[]>, key: string, t: number): number[] {
    const list = (map.get(key) ?? []).filter((x) => t - x < 1000);
    map.set(key, list);
    return list;
  }
}
