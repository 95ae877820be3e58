// Specification: an import never stays parsing or processing for good. When the queue message it
// waits for is lost (a crash, a redeploy, a local reload), the cron finds it stalled and sends the
// job again; the import then finishes as if nothing happened, with no row written twice.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { amo, db, installAccount, type Installed } from "./harness";
import { importView, losingQueue, sleep, startImportAs, uploadImport, waitForImport } from "./imports-harness";
import { generateLeadsXlsx } from "../../bench/gen-xlsx";
import { importRows, imports } from "../../src/db/schema";
import { tenant } from "../../src/db/tenant";
import { getImport, startImport } from "../../src/db/imports";
import { runImportParseJob, STALLED_AFTER_MS } from "../../src/imports/jobs";
import { redriveStalledImports } from "../../src/queue/cron";
import type { Env } from "../../src/env";

async function upload(a: Installed, rows: number, seed: number) {
  const file = generateLeadsXlsx({ rows, seed });
  return { file, up: await uploadImport(a, file.fileName, file.bytes) };
}

const waitDone = (a: Installed, id: number) => waitForImport(a, id, (v) => v.status === "done");

describe("stalled import re-drive", () => {
  it("parses an import whose parse job was lost, once it has stalled, and leaves a fresh one alone", async () => {
    const a = await installAccount();
    const { up } = await upload(a, 120, 31);
    const t = tenant(db(), a.accountId);
    // Started, but its `import-parse` message never reached the queue.
    expect(await startImport(t, up.id, { kind: "leads", columns: up.detected, projectId: null })).not.toBeNull();

    await redriveStalledImports(env as unknown as Env, Date.now());
    await sleep(2500);
    expect((await getImport(t, up.id))!.status).toBe("parsing");

    await redriveStalledImports(env as unknown as Env, Date.now() + STALLED_AFTER_MS + 1000);
    const done = await waitDone(a, up.id);
    expect(done).toMatchObject({ status: "done", total: 120, failed: 0 });
    expect(done.created + done.skipped).toBe(120);
    expect((await amo.state(a.accountId)).leads).toHaveLength(done.created);
  });

  it("writes the rest of an import whose chunk jobs were lost, each row once", async () => {
    const a = await installAccount();
    const { up } = await upload(a, 1500, 32);
    const t = tenant(db(), a.accountId);
    expect(await startImport(t, up.id, { kind: "leads", columns: up.detected, projectId: null })).not.toBeNull();
    // The parse job runs and stores the rows, but amoCRM fails the first chunk and every job it
    // sends (the other chunk, the first one's retry) is lost on the way.
    await amo.setFaults(a.accountId, { rate: 1, kinds: ["503"], seed: 1, paths: ["/api/v4/leads/complex"] });
    await runImportParseJob(losingQueue, a.accountId, up.id);
    await amo.setFaults(a.accountId, null);
    const stuck = (await getImport(t, up.id))!;
    expect(stuck.status).toBe("processing");
    expect(stuck.chunks).toBe(2);
    expect(stuck.created).toBe(0);

    await redriveStalledImports(env as unknown as Env, Date.now() + STALLED_AFTER_MS + 1000);
    const done = await waitDone(a, up.id);
    expect(done).toMatchObject({ status: "done", total: 1500, failed: 0 });
    expect(done.created + done.skipped).toBe(1500);
    expect(done.created).toBeGreaterThan(1400);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(done.created);
    expect(state.contacts).toHaveLength(done.created);
  });

  it("parses once when a second parse job comes while the first still runs", async () => {
    const a = await installAccount();
    const { up } = await upload(a, 200, 34);
    const t = tenant(db(), a.accountId);
    expect(await startImport(t, up.id, { kind: "leads", columns: up.detected, projectId: null })).not.toBeNull();
    // The first job's read of the contact list hangs for a while; the second comes meanwhile.
    await amo.setFaults(a.accountId, { rate: 0, kinds: ["timeout"], seed: 1, timeoutMs: 1500, burst: 1, paths: ["/api/v4/contacts"] });
    const first = runImportParseJob(losingQueue, a.accountId, up.id);
    await sleep(300);
    await Promise.all([first, runImportParseJob(losingQueue, a.accountId, up.id)]);
    await amo.setFaults(a.accountId, null);

    const done = await importView(a, up.id);
    expect(done).toMatchObject({ status: "done", total: 200, failed: 0 });
    expect(done.created + done.skipped).toBe(200);
    // Each row stored once, with how it ended: a late second parse would have stored it again as pending.
    const stored = await db().select({ status: importRows.status }).from(importRows).where(eq(importRows.importId, up.id));
    expect(stored).toHaveLength(200);
    expect(stored.filter((r) => r.status === "pending")).toHaveLength(0);
    expect((await amo.state(a.accountId)).leads).toHaveLength(done.created);
  });

  it("finishes an import whose rows were all written when the job that would have finished it died", async () => {
    const a = await installAccount();
    const { up } = await upload(a, 60, 33);
    await startImportAs(a, up.id, "leads", up.detected);
    const written = await waitDone(a, up.id);
    // Back to the moment after the last batch was recorded and before the import was marked done.
    await db().update(imports).set({ status: "processing", finishedAt: null }).where(eq(imports.id, up.id));
    const before = await amo.state(a.accountId);

    await redriveStalledImports(env as unknown as Env, Date.now() + STALLED_AFTER_MS + 1000);
    const done = await importView(a, up.id);
    expect(done).toMatchObject({ status: "done", created: written.created, total: 60 });
    expect(done.finishedAt).not.toBeNull();
    expect((await amo.state(a.accountId)).requests).toEqual(before.requests);
  });
});
