// Calendar arithmetic of the dashboard buckets: days and hours on the admin's wall clock, also
// across a daylight-saving change and in zones with half-hour offsets.
import { describe, expect, it } from "vitest";
import { dayStarts, hourStarts, isTimeZone, startOfDay, startOfHour, tzOffsetMs, DAY_MS, HOUR_MS } from "../../src/db/stats";

const at = (iso: string) => Date.parse(iso);

describe("dashboard calendar", () => {
  it("knows Moscow is three hours ahead of UTC", () => {
    expect(tzOffsetMs("Europe/Moscow", at("2026-07-02T12:00:00Z"))).toBe(3 * HOUR_MS);
    expect(tzOffsetMs("UTC", at("2026-07-02T12:00:00Z"))).toBe(0);
  });

  it("starts a Moscow day at 21:00 UTC of the day before", () => {
    expect(startOfDay("Europe/Moscow", at("2026-07-02T01:30:00Z"))).toBe(at("2026-07-01T21:00:00Z"));
    expect(startOfDay("Europe/Moscow", at("2026-07-01T20:59:59Z"))).toBe(at("2026-06-30T21:00:00Z"));
  });

  it("lists the last 14 days oldest first, the last one being today", () => {
    const days = dayStarts("Europe/Moscow", at("2026-07-02T10:00:00Z"), 14);
    expect(days).toHaveLength(14);
    expect(days[13]).toBe(at("2026-07-01T21:00:00Z"));
    expect(days[0]).toBe(at("2026-06-18T21:00:00Z"));
    for (let i = 1; i < days.length; i++) expect(days[i]! - days[i - 1]!).toBe(DAY_MS);
  });

  it("keeps calendar days across a daylight-saving change (a 23-hour day in Berlin)", () => {
    const days = dayStarts("Europe/Berlin", at("2026-03-30T10:00:00Z"), 3);
    expect(days).toEqual([at("2026-03-27T23:00:00Z"), at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")]);
    expect(days[2]! - days[1]!).toBe(23 * HOUR_MS);
  });

  it("aligns hours to the wall clock in zones with half-hour offsets", () => {
    expect(startOfHour("Asia/Kolkata", at("2026-07-02T10:10:00Z"))).toBe(at("2026-07-02T09:30:00Z"));
    const hours = hourStarts("Europe/Moscow", at("2026-07-02T10:10:00Z"), 24);
    expect(hours).toHaveLength(24);
    expect(hours[23]).toBe(at("2026-07-02T10:00:00Z"));
    expect(hours[0]).toBe(at("2026-07-01T11:00:00Z"));
  });

  it("accepts IANA zone names only", () => {
    expect(isTimeZone("Europe/Moscow")).toBe(true);
    expect(isTimeZone("Asia/Yekaterinburg")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });
});
