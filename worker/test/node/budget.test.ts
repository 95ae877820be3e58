// The request budget as the server sees it: however long calls spend on the way, no second at the
// server ever holds more than the budget of them.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RequestBudget } from "../../src/lib/budget";

/** Deterministic pseudo-random delays (ms) up to `max`. */
function delays(seed: number, max: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * max;
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One call: out to the server (counted on arrival), answered, back; the slot is released on the answer's return. */
async function call(budget: RequestBudget, arrivals: number[], out: number, back: number, fail = false): Promise<void> {
  const answered = await budget.take();
  await wait(out);
  arrivals.push(Date.now());
  await wait(back);
  answered();
  if (fail) throw new Error("reset");
}

function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

describe("request budget", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it("keeps every second at the server within the budget, whatever the transit times", async () => {
    const budget = new RequestBudget(7);
    const arrivals: number[] = [];
    const out = delays(42, 900);
    const back = delays(7, 900);
    const calls = Array.from({ length: 120 }, () => call(budget, arrivals, out(), back()));
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    expect(arrivals).toHaveLength(120);
    expect(peakPerSecond(arrivals)).toBeLessThanOrEqual(7);
  });

  it("uses the whole budget at once when answers are quick, then a second after each answer", async () => {
    const budget = new RequestBudget(7);
    const arrivals: number[] = [];
    const calls = Array.from({ length: 14 }, () => call(budget, arrivals, 0, 0));
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    expect(arrivals).toEqual([...Array(7).fill(0), ...Array(7).fill(1000)]);
  });

  it("frees a slot a second after a failed call too, and takes back a slot whose release never came", async () => {
    const budget = new RequestBudget(1, 1000, 5000);
    const arrivals: number[] = [];
    const failed = call(budget, arrivals, 10, 10, true).catch((e: Error) => e.message);
    const next = call(budget, arrivals, 0, 0);
    await vi.runAllTimersAsync();
    expect(await failed).toBe("reset");
    await next;
    expect(arrivals).toEqual([10, 1020]);

    const forgotten = budget.take(); // taken, never released
    const after = call(budget, arrivals, 0, 0);
    await vi.runAllTimersAsync();
    await forgotten;
    await after;
    expect(arrivals[2]).toBe(2020 + 5000);
  });
});
