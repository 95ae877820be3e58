// Specification: the contact list a leads import reads once is kept beside the upload for every
// chunk job, whichever isolate runs it; it goes when the import ends, and should it be gone early,
// rows are searched one by one instead, so nobody is ever created twice.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminFetch, amo, db, installAccount, type Installed } from "./harness";
import { losingQueue, uploadImport, waitForImport } from "./imports-harness";
import { generateLeadsXlsx } from "../../bench/gen-xlsx";
import { tenant } from "../../src/db/tenant";
import { getImport, startImport } from "../../src/db/imports";
import { deadImportJob, runImportParseJob, STALLED_AFTER_MS } from "../../src/imports/jobs";
import { contactIndexKey } from "../../src/imports/pipeline-files";
import { redriveStalledImports } from "../../src/queue/cron";
import type { Env } from "../../src/env";

const worker = env as unknown as Env;

const phones = ["+79161110001", "+79161110002", "+79161110003", "+79161110004", "+79161110005"];

/**
 * An account with five known people and a file of `rows` rows, 40% of them those people: parsed, its
 * contact list read and stored, but nothing written yet (amoCRM refused the first chunk and every
 * job sent was lost), as a crash would leave it.
 */
async function parsedNotWritten(seed: number, rows = 150): Promise<{ a: Installed; id: number }> {
  const a = await installAccount();
  for (const [i, phone] of phones.entries()) {
    await amo.createContact(a.accountId, { name: `Клиент ${i}`, custom_fields_values: [{ field_code: "PHONE", values: [{ value: phone, enum_code: "WORK" }] }] });
  }
  const file = generateLeadsXlsx({ rows, matchShare: 0.4, existingPhones: phones, seed });
  const up = await uploadImport(a, file.fileName, file.bytes);
  expect(await startImport(tenant(db(), a.accountId), up.id, { kind: "leads", columns: up.detected, projectId: null })).not.toBeNull();
  await amo.setFaults(a.accountId, { rate: 1, kinds: ["503"], seed: 1, paths: ["/api/v4/leads/complex"] });
  await runImportParseJob(losingQueue, a.accountId, up.id);
  await amo.setFaults(a.accountId, null);
  return { a, id: up.id };
}

const finished = (a: Installed, id: number) => waitForImport(a, id, (v) => v.status === "done");

describe("import contact index", () => {
  it("is stored once for the chunk jobs, matches the known people, and goes when the import is done", async () => {
    const { a, id } = await parsedNotWritten(41);
    const key = contactIndexKey(a.accountId, id);
    expect(await env.FILES.head(key)).not.toBeNull();
    const before = await amo.state(a.accountId);

    await redriveStalledImports(worker, Date.now() + STALLED_AFTER_MS + 1000);
    const done = await finished(a, id);
    const after = await amo.state(a.accountId);
    expect(done.updated).toBeGreaterThan(0);
    expect(done.created + done.updated + done.skipped).toBe(150);
    expect(after.contacts).toHaveLength(before.contacts.length + done.created);
    // Matched from the stored list: no contact searches were needed.
    expect(after.requests["GET /api/v4/contacts"] ?? 0).toBe(before.requests["GET /api/v4/contacts"] ?? 0);
    expect(await env.FILES.head(key)).toBeNull();
  });

  it("searches each row when the stored list is gone, and still creates nobody twice", async () => {
    const { a, id } = await parsedNotWritten(42, 30);
    await env.FILES.delete(contactIndexKey(a.accountId, id));
    const before = await amo.state(a.accountId);

    await redriveStalledImports(worker, Date.now() + STALLED_AFTER_MS + 1000);
    const done = await finished(a, id);
    const after = await amo.state(a.accountId);
    expect(done.updated).toBeGreaterThan(0);
    expect(after.contacts).toHaveLength(before.contacts.length + done.created);
    expect((after.requests["GET /api/v4/contacts"] ?? 0) - (before.requests["GET /api/v4/contacts"] ?? 0)).toBeGreaterThan(0);
  });

  it("goes when the import fails", async () => {
    const { a, id } = await parsedNotWritten(43);
    await deadImportJob(worker, a.accountId, id, 7);
    expect((await getImport(tenant(db(), a.accountId), id))!.status).toBe("failed");
    expect(await env.FILES.head(contactIndexKey(a.accountId, id))).toBeNull();
  });

  it("goes the moment the import is cancelled, not when it would have ended", async () => {
    const { a, id } = await parsedNotWritten(44);
    const key = contactIndexKey(a.accountId, id);
    expect(await env.FILES.head(key)).not.toBeNull();
    const res = await adminFetch(a, `/api/admin/imports/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await env.FILES.head(key)).toBeNull();
  });
});
