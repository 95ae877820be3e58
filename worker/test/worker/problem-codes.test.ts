// Specification: routes answer a refusal with the catalogue's stable code and the parameters the
// clients word it with, beside the RFC 9457 fields.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminFetch, installAccount, ORIGIN, widgetFetch } from "./harness";
import type { ApiProblem } from "../../src/api-types";

async function problem(res: Response, status: number): Promise<ApiProblem & Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return (await res.json()) as ApiProblem & Record<string, unknown>;
}

describe("problem codes on the wire", () => {
  it("names the missing widget token and the missing admin session by code", async () => {
    const widget = await problem(await SELF.fetch(`${ORIGIN}/api/widget/me`), 401);
    expect(widget).toMatchObject({ type: "/problems/unauthorized", code: "widget_token_missing", params: {}, reason: "missing" });
    const admin = await problem(await SELF.fetch(`${ORIGIN}/api/admin/session`), 401);
    expect(admin).toMatchObject({ code: "admin_no_session", reason: "no_session" });
    expect(admin.detail).toMatch(/^Not signed in/);
  });

  it("carries the route and the body limit as params", async () => {
    expect(await problem(await SELF.fetch(`${ORIGIN}/no/such/route`), 404)).toMatchObject({ code: "route_not_found", params: { method: "GET", path: "/no/such/route" } });
    const a = await installAccount();
    const big = await widgetFetch(a, "/api/widget/state", { method: "PUT", headers: { "content-type": "application/json" }, body: `{"active":true,"pad":"${"x".repeat(1_100_000)}"}` });
    expect(await problem(big, 413)).toMatchObject({ code: "body_too_large", params: { limit: "1 MB", limitBytes: 1_048_576 }, limitBytes: 1_048_576 });
  });

  it("turns a schema's own code into that code with the field and the limit", async () => {
    const a = await installAccount();
    const login = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: "ab", password: "x", projects: [1], consent: true } });
    expect(await problem(login, 400)).toMatchObject({ code: "lpt_login_required", params: { field: "login" }, field: "login" });
    const selected = Array.from({ length: 501 }, (_, i) => ({ id: i + 1 }));
    const many = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "leads", projectId: 1, countSelected: 501, selected } });
    expect(await problem(many, 400)).toMatchObject({ code: "list_too_many", params: { field: "selected", limit: 500 } });
    const plain = await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: "yes" } });
    expect(await problem(plain, 400)).toMatchObject({ type: "/problems/validation", code: "request_invalid", params: { field: "active", issue: expect.any(String) } });
  });

  it("names the import and the rule that are not there, and the file the reader refused", async () => {
    const a = await installAccount();
    expect(await problem(await adminFetch(a, "/api/admin/imports/987654"), 404)).toMatchObject({ code: "import_not_found", params: { id: "987654" } });
    const rule = await adminFetch(a, "/api/admin/rules/987654", { method: "PUT", json: { name: "x" } });
    expect(await problem(rule, 404)).toMatchObject({ code: "rule_not_found", params: { id: 987654 } });
    const form = new FormData();
    form.append("file", new File([new Uint8Array([37, 80, 68, 70])], "leads.pdf"));
    const pdf = await adminFetch(a, "/api/admin/imports", { method: "POST", body: form });
    expect(await problem(pdf, 415)).toMatchObject({ code: "import_file_unsupported_type", params: { ext: "pdf" }, reason: "unsupported-type" });
  });
});
