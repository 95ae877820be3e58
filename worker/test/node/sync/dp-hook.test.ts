// Reading amoCRM's Digital Pipeline hook: the form-encoded bracket keys it really sends, the JSON its
// docs show, and every refusal with a reason the admin can act on; plus the comment template.
import { describe, expect, it } from "vitest";
import { parseDpHook, readDpBody, renderDpTemplate } from "../../../src/sync/intake/dp-hook";

const FORM = "application/x-www-form-urlencoded";

function form(over: Record<string, string> = {}): string {
  return new URLSearchParams({
    "event[type]": "14",
    "event[type_code]": "lead_status_changed",
    "event[data][id]": "301",
    "event[data][element_type]": "2",
    "event[data][status_id]": "55",
    "event[data][pipeline_id]": "7",
    "event[time]": "1700000000",
    "action[settings][widget][settings][action]": "set_stage",
    "action[settings][widget][settings][project_id]": "12",
    "action[settings][widget][settings][stage_id]": "40",
    "action[settings][widget][settings][key]": "k-1",
    account_id: "31000001",
    subdomain: "acme",
    ...over,
  }).toString();
}

function parse(raw: string, type = FORM) {
  const read = readDpBody(type, raw);
  if (!read.ok) throw new Error(read.error);
  return parseDpHook(read.body);
}

describe("Digital Pipeline hook", () => {
  it("reads the form-encoded bracket keys amoCRM sends", () => {
    const r = parse(form());
    expect(r).toEqual({
      ok: true,
      key: "k-1",
      hook: {
        accountId: 31000001,
        subdomain: "acme",
        leadId: 301,
        elementType: 2,
        eventType: "lead_status_changed",
        pipelineId: 7,
        statusId: 55,
        time: "1700000000",
        settings: { action: "set_stage", projectId: 12, stageId: 40, comment: null },
      },
    });
  });

  it("reads the documented JSON shape with numbers, and an account given as account[id]", () => {
    const body = JSON.stringify({
      event: { type: 15, data: { id: 302, element_type: 2, status_id: 56, pipeline_id: 7 }, time: 1700000001 },
      action: { settings: { widget: { settings: { action: "comment", project_id: 12, comment: "  Привет, {{lead.name}}  ", key: "k-2" } } } },
      account: { id: 31000002, subdomain: "beta" },
    });
    const r = parse(body, "application/json; charset=utf-8");
    expect(r.ok && r.hook).toMatchObject({ accountId: 31000002, subdomain: "beta", leadId: 302, eventType: "15", settings: { action: "comment", projectId: 12, stageId: null, comment: "Привет, {{lead.name}}" } });
  });

  it("refuses what it cannot act on, saying what to fix", () => {
    const reason = (raw: string) => {
      const r = parse(raw);
      return r.ok ? null : r.reason;
    };
    expect(reason(form({ account_id: "" }))).toContain("account_id");
    expect(reason(form({ "event[data][id]": "0" }))).toContain("event[data][id]");
    expect(reason(form({ "event[data][element_type]": "12" }))).toContain("leads only");
    expect(reason(form({ "action[settings][widget][settings][action]": "delete_all" }))).toContain("delete_all");
    expect(reason(form({ "action[settings][widget][settings][project_id]": "abc" }))).toContain("project");
    expect(reason(form({ "action[settings][widget][settings][stage_id]": "" }))).toContain("stage");
    expect(reason(form({ "action[settings][widget][settings][action]": "comment" }))).toContain("empty template");
    expect(reason(form({ "action[settings][widget][settings][action]": "comment", "action[settings][widget][settings][comment]": "x".repeat(2001) }))).toContain("2000");
    expect(readDpBody("application/json", "[1]")).toEqual({ ok: false, error: "the JSON body is not an object" });
    expect(readDpBody(FORM, "")).toEqual({ ok: false, error: "the body is empty" });
  });

  it("ignores prototype keys and absurd nesting in the form", () => {
    const r = parse(`${form()}&__proto__[polluted]=1&a[b][c][d][e][f][g][h]=1`);
    expect(r.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("comment template", () => {
  it("fills known placeholders and leaves unknown ones visible", () => {
    expect(renderDpTemplate("{{lead.name}} №{{ lead.id }} → {{status}} {{unknown}}", { "lead.name": "Окна", "lead.id": "5", status: "Договор" })).toBe("Окна №5 → Договор {{unknown}}");
  });
});
