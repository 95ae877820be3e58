// Specification: cancelling a running import stops its writes to amoCRM; only the batches already
// on their way when the cancel came (at most one per lane of each chunk in flight) still land.
import { describe, expect, it } from "vitest";
import { adminFetch, amo, installAccount } from "./harness";
import { importView, sleep, startImportAs, uploadImport, waitForImport } from "./imports-harness";
import { generateLeadsXlsx } from "../../bench/gen-xlsx";
import { CHUNKS_IN_FLIGHT } from "../../src/imports/jobs";
import { LANES_PER_CHUNK } from "../../src/imports/pipeline-lanes";
import type { ImportView } from "../../src/api-types";

describe("import cancel", () => {
  it("stops a running import mid-way: status cancelled and no more amoCRM writes", async () => {
    const a = await installAccount();
    const file = generateLeadsXlsx({ rows: 3000, seed: 21 });
    const up = await uploadImport(a, file.fileName, file.bytes);
    await startImportAs(a, up.id, "leads", up.detected);

    const view = () => importView(a, up.id);
    const running = await waitForImport(a, up.id, (v) => v.created >= 300, 100);
    expect(running.status).toBe("processing");
    expect(running.ratePerSec).toBeGreaterThan(0);
    expect(running.etaSec).toBeGreaterThan(0);

    const res = await adminFetch(a, `/api/admin/imports/${up.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ImportView).status).toBe("cancelled");
    const atCancel = (await amo.state(a.accountId)).leads.length;

    // Let whatever was already sent land, then nothing may change any more.
    await sleep(2500);
    const settled = await amo.state(a.accountId);
    await sleep(3000);
    const later = await amo.state(a.accountId);
    expect(later.leads.length).toBe(settled.leads.length);
    expect(later.requests).toEqual(settled.requests);
    expect(settled.leads.length - atCancel).toBeLessThanOrEqual(CHUNKS_IN_FLIGHT * LANES_PER_CHUNK * 50);
    expect(settled.leads.length).toBeLessThan(3000);

    const end = await view();
    expect(end.status).toBe("cancelled");
    expect(end.finishedAt).not.toBeNull();
    expect(end.etaSec).toBeNull();
    expect(end.done).toBeLessThan(end.total);
    expect(end.created).toBe(settled.leads.length);
    expect((await adminFetch(a, `/api/admin/imports/${up.id}/cancel`, { method: "POST" })).status).toBe(409);
    expect((await adminFetch(a, `/api/admin/imports/${up.id}/start`, { method: "POST", json: { kind: "leads", columns: up.detected } })).status).toBe(409);
  });
});
