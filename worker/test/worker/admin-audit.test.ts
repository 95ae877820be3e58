import { describe, expect, it } from "vitest";
import { addAudit, asAdmin, newAdmin, type Admin } from "./admin-app";
import type { AuditListResponse } from "../../src/api-types";

async function audit(a: Admin, query = ""): Promise<AuditListResponse> {
  const res = await asAdmin(a, `/api/admin/audit${query ? `?${query}` : ""}`);
  expect(res.status).toBe(200);
  return (await res.json()) as AuditListResponse;
}

async function seed(a: Admin) {
  const t0 = Date.now() - 10_000;
  await addAudit(a, { at: t0, level: "info", source: "lptracker", action: "event.received", entityType: "lpt_lead", entityId: "77", eventId: 5, message: "Заявка 77 получена" });
  await addAudit(a, { at: t0 + 1000, level: "error", source: "amocrm", action: "lead.create_failed", entityType: "amo_lead", entityId: "9001", eventId: 5, message: "amoCRM answered 400 for lead 9001", data: { status: 400 } });
  await addAudit(a, { at: t0 + 2000, level: "warn", source: "import", action: "row.skipped", entityType: "import", entityId: "3", message: "Row 4 has no phone" });
  await addAudit(a, { at: t0 + 3000, level: "info", source: "admin", action: "rule.created", entityType: "rule", entityId: "12", actor: "amo-user:501", message: "Rule «Яндекс» created" });
  return t0;
}

describe("admin audit log (GET /api/admin/audit)", () => {
  it("lists the account's entries newest first with every field of the contract", async () => {
    const a = await newAdmin();
    const t0 = await seed(a);
    const body = await audit(a);
    expect(body.total).toBe(4);
    expect(body.items.map((i) => i.action)).toEqual(["rule.created", "row.skipped", "lead.create_failed", "event.received"]);
    expect(body.items[2]).toEqual({
      id: expect.any(Number),
      at: t0 + 1000,
      level: "error",
      source: "amocrm",
      action: "lead.create_failed",
      entityType: "amo_lead",
      entityId: "9001",
      eventId: 5,
      actor: null,
      message: "amoCRM answered 400 for lead 9001",
      data: { status: 400 },
    });
  });

  it("filters by level, source, entity and time", async () => {
    const a = await newAdmin();
    const t0 = await seed(a);
    expect((await audit(a, "level=error")).items.map((i) => i.action)).toEqual(["lead.create_failed"]);
    expect((await audit(a, "source=import")).items.map((i) => i.action)).toEqual(["row.skipped"]);
    expect((await audit(a, "entityType=lpt_lead&entityId=77")).items.map((i) => i.action)).toEqual(["event.received"]);
    expect((await audit(a, `from=${t0 + 500}&to=${t0 + 2500}`)).items.map((i) => i.action)).toEqual(["row.skipped", "lead.create_failed"]);
  });

  it("finds entries by words of their message or action", async () => {
    const a = await newAdmin();
    await seed(a);
    expect((await audit(a, `q=${encodeURIComponent("Яндекс")}`)).items.map((i) => i.action)).toEqual(["rule.created"]);
    expect((await audit(a, "q=create_failed")).items.map((i) => i.action)).toEqual(["lead.create_failed"]);
    expect((await audit(a, "q=ROW%204")).items.map((i) => i.action)).toEqual(["row.skipped"]);
    expect((await audit(a, "q=nothing-like-this")).total).toBe(0);
  });

  it("pages with limit and offset and reports the total", async () => {
    const a = await newAdmin();
    for (let i = 0; i < 7; i++) await addAudit(a, { at: 1_000_000 + i, message: `entry ${i}` });
    const first = await audit(a, "limit=3");
    const third = await audit(a, "limit=3&offset=6");
    expect(first.total).toBe(7);
    expect(first.items.map((i) => i.message)).toEqual(["entry 6", "entry 5", "entry 4"]);
    expect(third.items.map((i) => i.message)).toEqual(["entry 0"]);
  });

  it("never shows another account's entries, whatever the filter", async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    await seed(b);
    await addAudit(a, { message: "mine" });
    const body = await audit(a, "limit=200");
    expect(body.items.map((i) => i.message)).toEqual(["mine"]);
    expect((await audit(a, "level=error")).total).toBe(0);
    expect((await audit(a, "entityType=amo_lead&entityId=9001")).total).toBe(0);
  });

  it("refuses a bad filter with a 400 naming the field", async () => {
    const a = await newAdmin();
    const res = await asAdmin(a, "/api/admin/audit?level=fatal");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe("level");
    expect((await asAdmin(a, "/api/admin/audit?limit=5000")).status).toBe(400);
  });

  it("refuses a visitor without a session", async () => {
    expect((await asAdmin(null, "/api/admin/audit")).status).toBe(401);
  });
});
