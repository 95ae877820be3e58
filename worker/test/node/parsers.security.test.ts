// Every parser of untrusted input costs time linear in its input: the amoCRM form parser, the JSON
// depth guard, CSV, and the streaming XML tokenizer fed a long token in many chunks. Each is timed
// at two sizes 16× apart (the fastest of many short runs, taken in turns, so load cannot fake a
// failure; a ratio over the bar is measured up to twice more) and must stay far below the 256× a quadratic
// parser costs: linear is 16×, a little more where garbage collection grows with the heap.
import { describe, expect, it } from "vitest";
import { parseNestedForm, parseNestedFormBody, splitFormKey } from "../../src/lib/php-form";
import { jsonTooDeep } from "../../src/lib/json-guard";
import { parseCsv, detectDelimiter } from "../../src/imports/csv";
import { XmlTokenizer, type XmlHandler } from "../../src/imports/xlsx-stream-xml";
import { Problem } from "../../src/lib/problem";

// Sizes 16× apart leave a 4× margin on each side of the bar: a loaded machine pushed an 8× pair's
// garbage-collection overhead over a bar of 24.
const FACTOR = 16;
/** Half-way between linear (16×) and quadratic (256×) in log scale. */
const MAX_RATIO = 64;

function time(fn: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return performance.now() - t0;
}

/** Work at FACTOR × `small` over work at `small`; `make(n)` builds the input of size n once. */
function ratio<T>(make: (n: number) => T, run: (input: T) => void, small: number): number {
  const a = make(small);
  const b = make(small * FACTOR);
  const once = () => {
    run(a);
    run(b);
    let reps = 1;
    // Long enough (5 ms) that a timer tick or a scheduler hiccup cannot make up the difference.
    while (time(() => run(a), reps) < 5 && reps < 1024) reps *= 2;
    let ta = Number.POSITIVE_INFINITY;
    let tb = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 9; r++) {
      ta = Math.min(ta, time(() => run(a), reps));
      tb = Math.min(tb, time(() => run(b), reps));
    }
    return tb / Math.max(ta, 1e-6);
  };
  // A ratio over the bar is measured again (up to three times): load can only make one run slower.
  let best = once();
  for (let i = 0; i < 2 && best > MAX_RATIO; i++) best = Math.min(best, once());
  return best;
}

/**
 * The parser's growth over the growth of a plain linear pass over the same input, measured side by
 * side: on a loaded machine even `URLSearchParams` into a Map grew 29–88× for 16× the keys (memory
 * and GC, not the algorithm), while the quotient stayed 0.7–1.5. Quadratic work would make it ~16.
 */
const MAX_RELATIVE = 4;
function relativeRatio<T>(make: (n: number) => T, run: (input: T) => void, reference: (input: T) => void, small: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3 && best > MAX_RELATIVE; i++) best = Math.min(best, ratio(make, run, small) / ratio(make, reference, small));
  return best;
}

/** A linear pass over a form body: every pair into a Map. */
function formReference(body: string): void {
  const seen = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) seen.set(`${k}${seen.size}`, v);
}

describe("amoCRM form parser", () => {
  it("reads PHP-style keys like amoCRM sends them", () => {
    const form = parseNestedForm(new URLSearchParams("leads[status][0][id]=5&leads[status][0][custom_fields][0][values][0][value]=x&account[id]=7&a[]=1&a[]=2&a[k]=3"));
    expect(form).toEqual({
      leads: { status: [{ id: "5", custom_fields: [{ values: [{ value: "x" }] }] }] },
      account: { id: "7" },
      a: { "0": "1", "1": "2", k: "3" },
    });
    expect(splitFormKey("a]b")).toBeNull();
    expect(splitFormKey("a[b]c")).toBeNull();
    expect(splitFormKey("a[b[c]]")).toBeNull();
    expect(parseNestedForm(new URLSearchParams("__proto__[x]=1&a[constructor]=2"))).toEqual({});
  });

  it("keeps the body itself an object even when its keys are 0..n-1", () => {
    expect(parseNestedForm(new URLSearchParams("0=a&1=b"))).toEqual({ "0": "a", "1": "b" });
    expect(parseNestedFormBody("1=b&0=a")).toEqual({ "1": "b", "0": "a" });
  });

  it("refuses more than the key cap with 413 and deeper keys than the depth cap with 400", () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as Problem;
      }
      throw new Error("expected a problem");
    };
    expect(err(() => parseNestedFormBody("a=1&".repeat(10_001))).status).toBe(413);
    expect(err(() => parseNestedFormBody(`a${"[b]".repeat(12)}=1`)).status).toBe(400);
    expect(Object.keys(parseNestedFormBody(`a${"[b]".repeat(11)}=1`))).toEqual(["a"]);
  });

  it("costs linear time in the number of `a[]` keys (it was quadratic)", () => {
    const limits = { maxKeys: 1_000_000, maxDepth: 12 };
    const parse = (body: string) => parseNestedFormBody(body, limits);
    expect(relativeRatio((n) => "a[]=1&".repeat(n), parse, formReference, 2_000)).toBeLessThan(MAX_RELATIVE);
    expect(relativeRatio((n) => Array.from({ length: n }, (_, i) => `leads[update][${i}][id]=${i}`).join("&"), parse, formReference, 2_000)).toBeLessThan(MAX_RELATIVE);
  });
});

describe("JSON depth guard", () => {
  it("tells deep from shallow, skipping brackets inside strings", () => {
    expect(jsonTooDeep(`${"[".repeat(65)}${"]".repeat(65)}`)).toBe(true);
    expect(jsonTooDeep(`${"[".repeat(64)}${"]".repeat(64)}`)).toBe(false);
    expect(jsonTooDeep(JSON.stringify({ s: "[".repeat(1000), t: 'a\\"[[' }))).toBe(false);
  });

  it("costs linear time", () => {
    expect(ratio((n) => JSON.stringify({ s: "\\\"[".repeat(n) }), (s) => jsonTooDeep(s), 8_000)).toBeLessThan(MAX_RATIO);
  });
});

describe("CSV", () => {
  it("costs linear time on long quoted fields full of escaped quotes, and on unclosed quotes", () => {
    const run = (text: string) => parseCsv(text, detectDelimiter(text));
    expect(ratio((n) => `a;b\n"${'""'.repeat(n)}";x\n`, run, 8_000), "escaped quotes").toBeLessThan(MAX_RATIO);
    expect(ratio((n) => `a;b\n"${"x;".repeat(n)}`, run, 8_000), "unclosed").toBeLessThan(MAX_RATIO);
    // Sized so that the small input is well past the reader's fixed costs (8 000 empty fields cost
    // 181 ns each, 32 000 and more about 120 ns: a ratio from 8 000 read as 69 under load).
    expect(ratio((n) => `${";".repeat(n)}\n${";".repeat(n)}`, run, 32_000), "empty fields").toBeLessThan(MAX_RATIO);
  });
});

describe("streaming XML tokenizer", () => {
  const handler: XmlHandler = { open() {}, close() {}, text() {} };
  const feed = (xml: Uint8Array) => {
    const tok = new XmlTokenizer(["c"], handler);
    for (let at = 0; at < xml.length; at += 16 * 1024) tok.write(xml.subarray(at, at + 16 * 1024));
    tok.end();
  };
  const enc = (s: string) => new TextEncoder().encode(s);

  it("reads a long token that arrives in many chunks once, not once per chunk", () => {
    // A start tag with a long quoted value, a comment and a CDATA section, each far longer than a chunk.
    expect(ratio((n) => enc(`<c a="${"x>".repeat(n)}"/>`), feed, 32 * 1024), "tag").toBeLessThan(MAX_RATIO);
    expect(ratio((n) => enc(`<!--${"-".repeat(n)}-->`), feed, 64 * 1024), "comment").toBeLessThan(MAX_RATIO);
    expect(ratio((n) => enc(`<c><![CDATA[${"]".repeat(n)}]]></c>`), feed, 64 * 1024), "cdata").toBeLessThan(MAX_RATIO);
    expect(ratio((n) => enc(`<c><![CDATA[${"]>".repeat(n)}]]></c>`), feed, 32 * 1024), "cdata with >").toBeLessThan(MAX_RATIO);
    expect(ratio((n) => enc(`<!--${"->".repeat(n)}-->`), feed, 32 * 1024), "comment with >").toBeLessThan(MAX_RATIO);
    expect(ratio((n) => enc(`</c${" ".repeat(n)}>`), feed, 64 * 1024), "end tag").toBeLessThan(MAX_RATIO);
  });
});
