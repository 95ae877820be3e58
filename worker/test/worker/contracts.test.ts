// The contract schemas (worker/src/contracts/) describe what the routes really answer: real answers
// from a freshly installed and connected account parse with them, bad requests get the same
// problem+json shape, and the webhook and upstream schemas accept what the simulators send.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AmoClient, AmoError } from "../../src/amocrm/client";
import { LptClient, LptError } from "../../src/lptracker/client";
import { adminFetch, connectLpt, installAccount, widgetFetch, type Connected } from "./harness";
import {
  apiProblemSchema,
  cardResponseSchema,
  lptConnectionResponseSchema,
  lptProjectSchemaSchema,
  mappingResponseSchema,
  meResponseSchema,
  metadataResponseSchema,
} from "../../src/contracts/widget";
import {
  adminLptResponseSchema,
  adminSessionResponseSchema,
  auditListResponseSchema,
  callListResponseSchema,
  dashboardResponseSchema,
  eventListResponseSchema,
  importListResponseSchema,
  ruleListResponseSchema,
  ruleViewSchema,
} from "../../src/contracts/admin";
import { amoHookFormSchema, lptHookBodySchema } from "../../src/contracts/hooks";
import { lptFunnelAnswerSchema, lptProjectsAnswerSchema } from "../../src/contracts/lptracker";
import { amoAccountInfoSchema } from "../../src/contracts/amocrm";

let connected: Promise<Connected> | null = null;
const account = () => (connected ??= installAccount().then(connectLpt));

/** The answer parsed with `schema`; a field the schema does not name fails too (zod would drop it silently). */
async function answer<S extends z.ZodType>(res: Response, schema: S, status = 200): Promise<z.output<S>> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const raw: unknown = JSON.parse(text);
  const parsed = schema.safeParse(raw);
  expect(parsed.success ? [] : parsed.error.issues, text.slice(0, 500)).toEqual([]);
  expect(parsed.data).toEqual(raw);
  return parsed.data as z.output<S>;
}

describe("API contracts", () => {
  it("widget answers parse with their schemas", async () => {
    const a = await account();
    await answer(await widgetFetch(a, "/api/widget/me"), meResponseSchema);
    const conn = await answer(await widgetFetch(a, "/api/widget/lptracker"), lptConnectionResponseSchema);
    expect(conn.projects.map((p) => p.id)).toContain(a.projectId);
    await answer(await widgetFetch(a, "/api/widget/metadata"), metadataResponseSchema);
    const mapping = await answer(await widgetFetch(a, `/api/widget/mapping/${a.projectId}`), mappingResponseSchema);
    expect(mapping.isDefault).toBe(true);
    await answer(await widgetFetch(a, `/api/widget/lptracker/projects/${a.projectId}/schema`), lptProjectSchemaSchema);
    await answer(await widgetFetch(a, "/api/widget/card?entity=leads&id=1"), cardResponseSchema);
  });

  it("admin answers parse with their schemas", async () => {
    const a = await account();
    await answer(await adminFetch(a, "/api/admin/session"), adminSessionResponseSchema);
    await answer(await adminFetch(a, "/api/admin/dashboard?tz=Europe/Moscow"), dashboardResponseSchema);
    await answer(await adminFetch(a, "/api/admin/events"), eventListResponseSchema);
    await answer(await adminFetch(a, "/api/admin/audit"), auditListResponseSchema);
    await answer(await adminFetch(a, "/api/admin/calls"), callListResponseSchema);
    await answer(await adminFetch(a, "/api/admin/lptracker"), adminLptResponseSchema);
    await answer(await adminFetch(a, "/api/admin/imports"), importListResponseSchema);
    const rule = { name: "contract", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["lpt"] }] };
    await answer(await adminFetch(a, "/api/admin/rules", { method: "POST", json: rule }), ruleViewSchema, 201);
    const rules = await answer(await adminFetch(a, "/api/admin/rules"), ruleListResponseSchema);
    expect(rules.items.map((r) => r.name)).toContain("contract");
  });

  it("refuses a bad query or body through the validator with a problem naming the field", async () => {
    const a = await account();
    const res = await adminFetch(a, "/api/admin/events?status=bogus");
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const p = await answer(res, apiProblemSchema, 400);
    expect(p).toMatchObject({ type: "/problems/validation", field: "status" });
    const body = await answer(await adminFetch(a, "/api/admin/rules/reorder", { method: "POST", json: { ids: ["x"] } }), apiProblemSchema, 400);
    expect(body.field).toBe("ids.0");
    const card = await answer(await widgetFetch(a, "/api/widget/card?entity=deals&id=1"), apiProblemSchema, 400);
    expect(card.field).toBe("entity");
    const empty = await answer(await widgetFetch(a, "/api/widget/card/sync", { method: "POST", body: "not json" }), apiProblemSchema, 400);
    expect(empty.field).toBe("entity");
  });
});

describe("webhook and upstream contracts", () => {
  it("reads an LPTracker event by its lead id, a wrapped one by lead.id, and no array", () => {
    expect(lptHookBodySchema.parse({ id: 5, project_id: 7, extra: { kept: true } })).toMatchObject({ id: 5, project_id: 7, extra: { kept: true } });
    expect(lptHookBodySchema.parse({ lead: { id: 9 } }).lead?.id).toBe(9);
    expect(lptHookBodySchema.safeParse([{ id: 5 }]).success).toBe(false);
  });

  it("reads amoCRM's lead hook and ignores parts of another shape instead of failing the hook", () => {
    const form = amoHookFormSchema.parse({ account: { id: "3" }, leads: { status: [{ id: "1", status_id: "2" }], update: { 0: "not a list" } } });
    expect(form.account?.id).toBe("3");
    expect(form.leads?.status).toHaveLength(1);
    expect(form.leads?.update).toBeUndefined();
  });

  it("accepts LPTracker's list answers in every documented wrapping and refuses another shape", () => {
    expect(lptProjectsAnswerSchema.parse(null)).toEqual([]);
    expect(lptFunnelAnswerSchema.parse({ funnels: [{ id: 1, name: "New" }] })).toMatchObject([{ id: 1, name: "New" }]);
    expect(lptFunnelAnswerSchema.parse([{ id: 2, name: "Won" }])).toMatchObject([{ id: 2, name: "Won" }]);
    expect(lptProjectsAnswerSchema.safeParse([{ id: "not a number", name: "x" }]).success).toBe(false);
  });
});

describe("upstream answers", () => {
  it("are read through their schemas, and another shape fails naming the call and the first mismatch", async () => {
    const a = await account();
    const amo = new AmoClient(env, a.accountId);
    expect((await amo.read(amoAccountInfoSchema, "/api/v4/account"))?.id).toBe(a.accountId);
    const amoErr = await amo.read(z.object({ no_such_field: z.string() }), "/api/v4/account").catch((e: unknown) => e);
    expect(amoErr).toBeInstanceOf(AmoError);
    expect((amoErr as AmoError).message).toMatch(/GET \/api\/v4\/account in an unexpected shape \(no_such_field: /);
    expect((amoErr as AmoError).transient).toBe(false);

    const lpt = new LptClient(env, a.accountId);
    expect((await lpt.projects()).map((p) => p.id)).toContain(a.projectId);
    const lptErr = await lpt.read(z.array(z.object({ id: z.string() })), { method: "GET", path: "/projects" }).catch((e: unknown) => e);
    expect(lptErr).toBeInstanceOf(LptError);
    expect((lptErr as LptError).message).toMatch(/GET \/projects in an unexpected shape \(0\.id: /);
  });
});
