// The request budget: at most N calls in any one-second window at the server, whatever the
// transit time, with slots released early once an answer proves the server already had the call.
import { describe, expect, it } from "vitest";
import { RequestBudget, type BudgetSlot } from "../../../src/lib/budget";

function take(b: RequestBudget, now: number): BudgetSlot {
  const slot = b.tryTake(now);
  if (typeof slot === "number") throw new Error(`expected a slot at ${now}, told to wait ${slot} ms`);
  return slot;
}

/** A seeded generator, so a failing timeline can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe("RequestBudget", () => {
  it("holds a slot for one second plus the margin when no answer comes", () => {
    const b = new RequestBudget(7, 180);
    for (let i = 0; i < 7; i++) take(b, 0);
    expect(b.tryTake(500)).toBe(680);
    expect(typeof b.tryTake(1180)).toBe("object");
  });

  it("frees a slot one second after its answer when that comes before the margin runs out", () => {
    const b = new RequestBudget(7, 180);
    const slots = Array.from({ length: 7 }, () => take(b, 0));
    slots[0]!.answered(40);
    expect(b.tryTake(1000)).toBe(40);
    expect(typeof b.tryTake(1040)).toBe("object");
    // A late answer never holds a slot longer than the margin does.
    slots[1]!.answered(5000);
    expect(b.tryTake(1100)).toBe(80);
  });

  it("never lets a one-second window at the server hold more than the limit, for any transit time", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = random(seed);
      const b = new RequestBudget(7, 180);
      const arrivals: number[] = [];
      const answers: { at: number; slot: BudgetSlot }[] = [];
      for (let now = 0; now < 20_000; now += 1 + Math.floor(rnd() * 30)) {
        for (const a of answers.filter((x) => x.at <= now)) a.slot.answered(a.at);
        answers.splice(0, answers.length, ...answers.filter((x) => x.at > now));
        const slot = b.tryTake(now);
        if (typeof slot === "number") continue;
        // Transit up to the margin on the way there; the answer comes any time after arrival.
        const arrival = now + Math.floor(rnd() * 180);
        arrivals.push(arrival);
        answers.push({ at: arrival + Math.floor(rnd() * 400), slot });
      }
      arrivals.sort((x, y) => x - y);
      for (let i = 0; i + 7 < arrivals.length; i++) expect(arrivals[i + 7]! - arrivals[i]!, `seed ${seed}`).toBeGreaterThanOrEqual(1000);
      expect(arrivals.length).toBeGreaterThan(100);
    }
  });

  it("keeps close to the limit when answers come quickly (loopback), where a fixed margin would not", () => {
    const b = new RequestBudget(7, 180);
    let sent = 0;
    for (let now = 0; now < 20_000; now++) {
      const slot = b.tryTake(now);
      if (typeof slot === "number") continue;
      slot.answered(now + 5);
      sent++;
    }
    // 7 per 1.005 s, against 7 per 1.18 s with the margin alone.
    expect(sent).toBeGreaterThanOrEqual(7 * 19);
  });
});
