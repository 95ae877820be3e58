// Specification: cancelling a running import stops its writes to amoCRM; only the batches already
// on their way when the cancel came (at most one per lane of each chunk in flight) still land.
import { describe, expect, it, vi } from "vitest";
import { adminFetch, amo, installAccount } from "./harness";
import { generateLeadsXlsx } from "../../bench/gen-xlsx";
import { CHUNKS_IN_FLIGHT } from "../../src/imports/jobs";
import { LANES_PER_CHUNK } from "../../src/imports/pipeline-lanes";
import type { ImportUploadResponse, ImportView } from "../../src/api-types";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("import cancel", () => {
  it("stops a running import mid-way: status cancelled and no more amoCRM writes", async () => {
    const a = await installAccount();
    const file = generateLeadsXlsx({ rows: 3000, seed: 21 });
    const form = new FormData();
    form.append("file", new File([file.bytes], file.fileName));
    const up = (await (await adminFetch(a, "/api/admin/imports", { method: "POST", body: form })).json()) as ImportUploadResponse;
    expect((await adminFetch(a, `/api/admin/imports/${up.id}/start`, { method: "POST", json: { kind: "leads", columns: up.detected } })).status).toBe(202);

    const view = async () => (await (await adminFetch(a, `/api/admin/imports/${up.id}`)).json()) as ImportView;
    await vi.waitUntil(async () => (await view()).created >= 300, { timeout: 60_000, interval: 100 });
    const running = await view();
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
