// LPTracker's answer envelope (lptracker/envelope.ts): every shape LPTracker answers with, read once.
import { describe, expect, it } from "vitest";
import { readEnvelope } from "../../src/lptracker/envelope";

describe("LPTracker envelope", () => {
  it("hands on the result of a success, a bare list, and a list wrapped in an outer array", () => {
    expect(readEnvelope(200, { status: "success", result: { token: "t" } })).toEqual({ ok: true, result: { token: "t" } });
    expect(readEnvelope(200, { status: "success" })).toEqual({ ok: true, result: null });
    expect(readEnvelope(200, [{ id: 1 }, { id: 2 }])).toEqual({ ok: true, result: [{ id: 1 }, { id: 2 }] });
    expect(readEnvelope(200, [{ status: "success", result: [{ id: 3 }] }])).toEqual({ ok: true, result: [{ id: 3 }] });
    expect(readEnvelope(200, { id: 7, name: "bare object" })).toEqual({ ok: true, result: { id: 7, name: "bare object" } });
  });

  it("reads errors sent with HTTP 200 as errors, with their code and message", () => {
    expect(readEnvelope(200, { status: "error", errors: [{ code: 401, message: "Token expired" }] })).toEqual({ ok: false, code: 401, message: "Token expired" });
    expect(readEnvelope(200, { status: "error", errors: [{ code: "403", message: "Forbidden" }] })).toEqual({ ok: false, code: 403, message: "Forbidden" });
    expect(readEnvelope(200, { errors: ["Field funnel is required"] })).toEqual({ ok: false, code: 400, message: "Field funnel is required" });
    expect(readEnvelope(200, { status: "error" })).toEqual({ ok: false, code: 400, message: "LPTracker error" });
    expect(readEnvelope(503, { errors: [null] })).toEqual({ ok: false, code: 503, message: "LPTracker error" });
  });

  it("refuses an answer it cannot use, keeping the HTTP status when it is an error", () => {
    expect(readEnvelope(200, null)).toMatchObject({ ok: false, code: 502 });
    expect(readEnvelope(200, "<html>")).toMatchObject({ ok: false, code: 502 });
    expect(readEnvelope(500, { message: "oops" })).toMatchObject({ ok: false, code: 500 });
  });
});
