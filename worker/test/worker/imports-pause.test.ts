// Switching the widget off in amoCRM holds imports too: no row is written while it is off, and the
// switch-on continues them with the rows not yet written, each written once.
import { describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { amo, db, installAccount, widgetFetch, type Installed } from "./harness";
import { sleep, startImportAs, uploadImport, waitForImport } from "./imports-harness";
import { generateLeadsXlsx } from "../../bench/gen-xlsx";
import { auditLog } from "../../src/db/schema";

async function switchTo(a: Installed, active: boolean): Promise<void> {
  const res = await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active } });
  expect(res.status).toBe(200);
}

async function audited(accountId: number, action: string): Promise<number> {
  return (await db().select().from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, action)))).length;
}

describe.concurrent("imports while the widget is switched off", () => {
  it("holds an import started while off, and runs it after the switch-on", async () => {
    const a = await installAccount();
    await switchTo(a, false);
    const file = generateLeadsXlsx({ rows: 120, seed: 5 });
    const up = await uploadImport(a, file.fileName, file.bytes);
    const before = await amo.state(a.accountId);
    await startImportAs(a, up.id, "leads", up.detected);
    await vi.waitUntil(async () => (await audited(a.accountId, "import.paused")) > 0, { timeout: 60_000, interval: 200 });
    const held = await waitForImport(a, up.id, () => true);
    expect(held.status).toBe("parsing");
    // The upload page says why it waits.
    expect(held.paused).toBe(true);
    expect((await amo.state(a.accountId)).leads).toHaveLength(before.leads.length);

    await switchTo(a, true);
    const done = await waitForImport(a, up.id);
    expect(done).toMatchObject({ status: "done", failed: 0 });
    expect(done.created + done.updated + done.skipped).toBe(120);
    expect((await amo.state(a.accountId)).leads).toHaveLength(before.leads.length + done.created + done.updated);
    expect(await audited(a.accountId, "imports.resumed")).toBe(1);
  });

  it("stops writing mid-way when switched off and continues with the rest after the switch-on", async () => {
    const a = await installAccount();
    const file = generateLeadsXlsx({ rows: 3000, seed: 22 });
    const up = await uploadImport(a, file.fileName, file.bytes);
    await startImportAs(a, up.id, "leads", up.detected);
    await waitForImport(a, up.id, (v) => v.created >= 300, 100);
    await switchTo(a, false);

    // Let what was already on its way land; then nothing may change while the widget is off.
    await sleep(2500);
    const settled = await amo.state(a.accountId);
    await sleep(3000);
    const later = await amo.state(a.accountId);
    expect(later.leads.length).toBe(settled.leads.length);
    expect(settled.leads.length).toBeLessThan(3000);
    const paused = await waitForImport(a, up.id, () => true);
    expect(paused.status).toBe("processing");
    expect(paused.paused).toBe(true);

    await switchTo(a, true);
    const done = await waitForImport(a, up.id);
    expect(done).toMatchObject({ status: "done", failed: 0 });
    expect(done.created + done.updated + done.skipped).toBe(3000);
    expect(done.paused).toBeUndefined();
    // Every row written once: as many amoCRM leads as rows created or added.
    expect((await amo.state(a.accountId)).leads).toHaveLength(done.created + done.updated);
  }, 240_000);
});
