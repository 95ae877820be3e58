import { describe, expect, it } from "vitest";
import { applyTransform, parseNumberLoose, toEpochMs } from "../../../src/sync/rules/transforms";
import { DEAL_SOURCE } from "./fixtures";

const MSK = 3 * 3600_000;

describe("transforms: as_is and constant", () => {
  it("passes values through as they are, arrays included", () => {
    expect(applyTransform({ kind: "as_is" }, "Иван", {})).toEqual({ ok: true, value: "Иван" });
    expect(applyTransform({ kind: "as_is" }, ["a", "b"], {})).toEqual({ ok: true, value: ["a", "b"] });
  });

  it("turns blank input into null, meaning nothing to write", () => {
    expect(applyTransform({ kind: "as_is" }, undefined, {})).toEqual({ ok: true, value: null });
    expect(applyTransform({ kind: "number" }, "  ", {})).toEqual({ ok: true, value: null });
    expect(applyTransform({ kind: "date" }, [], {})).toEqual({ ok: true, value: null });
  });

  it("writes the constant whatever the input", () => {
    expect(applyTransform({ kind: "constant", value: "LPTracker" }, undefined, {})).toEqual({ ok: true, value: "LPTracker" });
    expect(applyTransform({ kind: "constant", value: 7 }, "ignored", {})).toEqual({ ok: true, value: 7 });
  });
});

describe("transforms: date", () => {
  const at = (v: Parameters<typeof applyTransform>[1]) => applyTransform({ kind: "date" }, v, {});
  const moscow = (y: number, m: number, d: number, h = 0, mi = 0) => (Date.UTC(y, m - 1, d, h, mi) - MSK) / 1000;

  it("gives unix seconds for unix seconds and milliseconds", () => {
    expect(at(1_710_486_000)).toEqual({ ok: true, value: 1_710_486_000 });
    expect(at(1_710_486_000_123)).toEqual({ ok: true, value: 1_710_486_000 });
    expect(at("1710486000")).toEqual({ ok: true, value: 1_710_486_000 });
  });

  it("reads ISO dates, with a zone as given and without one as Moscow time", () => {
    expect(at("2024-03-15T07:00:00Z")).toEqual({ ok: true, value: 1_710_486_000 });
    expect(at("2024-03-15T10:00:00+03:00")).toEqual({ ok: true, value: 1_710_486_000 });
    expect(at("2024-03-15 10:00")).toEqual({ ok: true, value: 1_710_486_000 });
    expect(at("2024-03-15")).toEqual({ ok: true, value: moscow(2024, 3, 15) });
  });

  it("reads dd.mm.yyyy with an optional time as Moscow time", () => {
    expect(at("15.03.2024")).toEqual({ ok: true, value: moscow(2024, 3, 15) });
    expect(at("15.03.2024 10:00")).toEqual({ ok: true, value: 1_710_486_000 });
    expect(at("5.3.24")).toEqual({ ok: true, value: moscow(2024, 3, 5) });
  });

  it("reads Excel serial day numbers", () => {
    expect(at(45366)).toEqual({ ok: true, value: moscow(2024, 3, 15) });
    expect(at(45366.5)).toEqual({ ok: true, value: moscow(2024, 3, 15, 12) });
  });

  it("refuses text that is not a date, and impossible dates", () => {
    expect(at("вчера")).toEqual({ ok: false, reason: '"вчера" is not a date' });
    expect(at("31.02.2024").ok).toBe(false);
  });

  it("shares its reader with rules, which do not take Excel serials", () => {
    expect(toEpochMs(45366)).toBe(45_366_000);
    expect(toEpochMs(45366, { excelSerial: true })).toBe(moscow(2024, 3, 15) * 1000);
  });
});

describe("transforms: number", () => {
  const num = (v: Parameters<typeof applyTransform>[1]) => applyTransform({ kind: "number" }, v, {});

  it("reads decimal commas, spaces and currency signs", () => {
    expect(num("1 500,50")).toEqual({ ok: true, value: 1500.5 });
    expect(num("₽ 2 000")).toEqual({ ok: true, value: 2000 });
    expect(num("3 000 руб.")).toEqual({ ok: true, value: 3000 });
    expect(num("$1,250.75")).toEqual({ ok: true, value: 1250.75 });
    expect(num("1.250,75 €")).toEqual({ ok: true, value: 1250.75 });
    expect(num(42)).toEqual({ ok: true, value: 42 });
    expect(num("-7")).toEqual({ ok: true, value: -7 });
  });

  it("refuses text that is not a number and names it", () => {
    expect(num("около тысячи")).toEqual({ ok: false, reason: '"около тысячи" is not a number' });
  });

  it("reads thousands separators as such", () => {
    expect(parseNumberLoose("1,500,000")).toBe(1_500_000);
    expect(parseNumberLoose("12\u00a0345")).toBe(12345);
    expect(parseNumberLoose("15.03.2024")).toBeNull();
  });
});

describe("transforms: enum_map", () => {
  const map = { kind: "enum_map", map: { "Яндекс": 8002, google: 8002, "Звонок": "Звонок" } } as const;

  it("matches keys case-insensitively", () => {
    expect(applyTransform(map, "яндекс", {})).toEqual({ ok: true, value: 8002 });
    expect(applyTransform(map, " GOOGLE ", {})).toEqual({ ok: true, value: 8002 });
    expect(applyTransform(map, "звонок", {})).toEqual({ ok: true, value: "Звонок" });
  });

  it("maps every element of an array, without duplicates", () => {
    expect(applyTransform(map, ["яндекс", "google", "звонок"], {})).toEqual({ ok: true, value: [8002, "Звонок"] });
  });

  it("uses the fallback for an unknown value", () => {
    expect(applyTransform({ ...map, fallback: 8001 }, "vk", {})).toEqual({ ok: true, value: 8001 });
  });

  it("fails on an unknown value without fallback, naming the value", () => {
    expect(applyTransform(map, "vk", {})).toEqual({ ok: false, reason: 'no value map entry for "vk" and no fallback' });
  });

  it("accepts a value that already is one of the target field's options", () => {
    expect(applyTransform(map, "lptracker", { field: DEAL_SOURCE })).toEqual({ ok: true, value: 8001 });
  });
});

describe("transforms: join", () => {
  it("joins arrays into one string with the separator", () => {
    expect(applyTransform({ kind: "join", separator: "; " }, ["Окна", " Двери ", ""], {})).toEqual({ ok: true, value: "Окна; Двери" });
  });

  it("leaves a single value as text", () => {
    expect(applyTransform({ kind: "join", separator: ", " }, 5, {})).toEqual({ ok: true, value: "5" });
  });
});
