// The admin page's pure logic without a browser: addresses, the rule constructor's model and
// pickers, chart geometry, import and filter helpers, wording of server errors, dictionaries.
import { describe, expect, it } from "vitest";
import type { AmoMetadata, LptProjectSchema, RuleGroup, RuleInput } from "../../src/api-types";
import { ACTIONS_BY_TRIGGER, MAX_GROUP_DEPTH } from "../../src/sync/schemas";
import { parseRoute, routePath, sectionOf } from "../../../admin/src/routes";
import { addItem, countConditions, depthOf, emptyRule, groupAt, move, newAction, parseList, parseTags, removeItem, replaceItem, updateGroup, validateRule, withTrigger } from "../../../admin/src/rules/model";
import { fieldFor, fieldsFor, operatorsFor, valueForOperator, type Label } from "../../../admin/src/rules/fields";
import { describeAction } from "../../../admin/src/rules/describe";
import { layoutChart, niceScale, sumBuckets } from "../../../admin/src/dashboard/chart";
import { cellText, checkFile, checkMapping, dateOutcome, etaParts, guessKind, initialColumns, progressOf, startRequest, unreadableText } from "../../../admin/src/uploads/model";
import { callApiQuery, callFilterParams, readCallFilter, toggleSort } from "../../../admin/src/calls/query";
import { auditApiQuery, auditFilterParams, eventApiQuery, readAuditFilter, replayScope } from "../../../admin/src/audit/query";
import { pickLanguage, errorText } from "../../../admin/src/problem";
import { ApiError, queryString } from "../../../admin/src/api";
import { dateInputToMs, duration, fileSize, msToDateInput } from "../../../admin/src/format";
import { fill, lang, setLang, tn } from "../../../admin/src/i18n";
import { ru } from "../../../admin/src/i18n/ru";
import { en } from "../../../admin/src/i18n/en";

const label: Label = (key) => key;

const META: AmoMetadata = {
  pipelines: [
    { id: 10, name: "Продажи", sort: 1, is_main: true, statuses: [{ id: 101, name: "Новая", sort: 10 }, { id: 102, name: "Встреча", sort: 20 }] },
    { id: 20, name: "Партнёры", sort: 2, is_main: false, statuses: [{ id: 201, name: "Заявка", sort: 10 }] },
  ],
  leadFields: [
    { id: 501, name: "Канал", type: "select", enums: [{ id: 1, value: "Сайт" }, { id: 2, value: "Звонок" }] },
    { id: 502, name: "Сумма договора", type: "numeric" },
  ],
  contactFields: [
    { id: 601, name: "Телефон", code: "PHONE", type: "multitext" },
    { id: 602, name: "Должность", type: "text" },
  ],
  users: [{ id: 7, name: "Ирина" }],
  taskTypes: [{ id: 1, name: "Связаться" }],
  fetchedAt: 1,
};

const SCHEMA: LptProjectSchema = {
  projectId: 55,
  stages: [{ id: 1, name: "Новый" }, { id: 2, name: "В работе" }],
  customs: [{ id: 900, name: "Город", type: "cats", options: ["Москва", "Казань"] }, { id: 901, name: "Заметка", type: "text", options: [] }],
  contactFields: [],
};

const SOURCES = { meta: META, projects: [{ id: 55, name: "Сайт", selected: true }, { id: 56, name: "Старый", selected: false }], schemas: [SCHEMA] };

describe("admin addresses", () => {
  it("maps every real path to a page and back", () => {
    expect(parseRoute("/admin")).toEqual({ name: "dashboard" });
    expect(parseRoute("/admin/")).toEqual({ name: "dashboard" });
    expect(parseRoute("/admin/rules")).toEqual({ name: "rules" });
    expect(parseRoute("/admin/rules/new")).toEqual({ name: "rule", id: "new" });
    expect(parseRoute("/admin/rules/12")).toEqual({ name: "rule", id: 12 });
    expect(parseRoute("/admin/uploads")).toEqual({ name: "uploads" });
    expect(parseRoute("/admin/calls/")).toEqual({ name: "calls" });
    expect(parseRoute("/admin/audit")).toEqual({ name: "audit" });
    expect(parseRoute("/admin/audit/42")).toEqual({ name: "event", id: 42 });
    for (const r of [{ name: "dashboard" }, { name: "rules" }, { name: "rule", id: 3 }, { name: "event", id: 9 }, { name: "calls" }] as const) {
      expect(parseRoute(routePath(r))).toEqual(r);
    }
  });

  it("sends anything else to the not-found page", () => {
    for (const p of ["/admin/audit/0", "/admin/audit/x", "/admin/rules/1/2", "/admin/nope", "/administrator", "/"]) expect(parseRoute(p).name).toBe("notFound");
  });

  it("highlights the section a detail page belongs to", () => {
    expect(sectionOf({ name: "event", id: 1 })).toBe("audit");
    expect(sectionOf({ name: "rule", id: "new" })).toBe("rules");
    expect(sectionOf({ name: "notFound", path: "/x" })).toBeNull();
  });
});

describe("rule constructor model", () => {
  const tree: RuleGroup = {
    match: "all",
    items: [
      { field: "view.source", op: "contains", value: "yandex" },
      { match: "any", items: [{ field: "stage.id", op: "eq", value: 1 }] },
    ],
  };

  it("changes a nested group without touching the original tree", () => {
    const frozen = JSON.stringify(tree);
    const added = addItem(tree, [1], { field: "project", op: "eq", value: 55 });
    expect(groupAt(added, [1]).items).toHaveLength(2);
    expect(JSON.stringify(tree)).toBe(frozen);
    const removed = removeItem(added, [], 0);
    expect(removed.items).toHaveLength(1);
    const replaced = replaceItem(tree, [1], 0, { field: "stage.id", op: "neq", value: 2 });
    expect(groupAt(replaced, [1]).items[0]).toEqual({ field: "stage.id", op: "neq", value: 2 });
    const any = updateGroup(tree, [], (g) => ({ ...g, match: "any" }));
    expect(any.match).toBe("any");
    expect(() => groupAt(tree, [0])).toThrow();
  });

  it("measures depth and conditions as the server limits them", () => {
    expect(depthOf(tree)).toBe(2);
    expect(countConditions(tree)).toBe(2);
    let deep: RuleGroup = { match: "all", items: [] };
    for (let i = 0; i < MAX_GROUP_DEPTH; i++) deep = { match: "all", items: [deep] };
    expect(depthOf(deep)).toBe(MAX_GROUP_DEPTH + 1);
    expect(validateRule({ ...emptyRule(), name: "x", conditions: deep, actions: [{ type: "stop" }] }).map((i) => i.code)).toContain("depth");
  });

  it("reports what the admin still has to fill in, before the server does", () => {
    const rule: RuleInput = {
      ...emptyRule(),
      name: " ",
      conditions: { match: "all", items: [{ field: "view.source", op: "contains", value: "" }, { field: "lead.name", op: "empty" }] },
      actions: [newAction("set_pipeline"), newAction("add_tags"), newAction("create_task")],
    };
    expect(validateRule(rule).map((i) => `${i.at}:${i.code}`)).toEqual([
      "name:name",
      "conditions.0:value",
      "actions.0:pipeline",
      "actions.1:tags",
      "actions.2:text",
      "actions.2:taskType",
    ]);
    const ok: RuleInput = { ...rule, name: "Яндекс", conditions: { match: "all", items: [{ field: "view.source", op: "contains", value: "yandex" }] }, actions: [{ type: "set_pipeline", pipelineId: 10, statusId: 101 }, { type: "add_tags", tags: ["yandex"] }] };
    expect(validateRule(ok)).toEqual([]);
  });

  it("keeps skip alone and actions that fit the trigger", () => {
    const rule: RuleInput = { ...emptyRule(), name: "x", actions: [{ type: "skip" }, { type: "stop" }] };
    expect(validateRule(rule).map((i) => i.code)).toContain("skipAlone");
    const lpt = { ...rule, actions: [{ type: "set_pipeline", pipelineId: 10, statusId: 101 } as const, { type: "add_tags" as const, tags: ["a"] }] };
    const moved = withTrigger(lpt, "amo.lead.status_changed");
    expect(moved.dropped).toEqual(["set_pipeline"]);
    expect(moved.rule.actions.map((a) => a.type)).toEqual(["add_tags"]);
    for (const trigger of ["lpt.lead.created", "amo.lead.updated"] as const) {
      for (const type of ACTIONS_BY_TRIGGER[trigger]) expect(validateRule({ ...emptyRule(trigger), name: "x", actions: [newAction(type)] }).map((i) => i.code)).not.toContain("notAllowed");
    }
  });

  it("reads lists and tags the way people type them", () => {
    expect(parseList("yandex, google;\nvk", false)).toEqual(["yandex", "google", "vk"]);
    expect(parseList("1, 2, x", true)).toEqual([1, 2, "x"]);
    expect(parseTags(" yandex, горячий ,, ")).toEqual(["yandex", "горячий"]);
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
  });
});

describe("rule constructor pickers", () => {
  it("offers an LPTracker lead's fields with stages and options from the project, never typed ids", () => {
    const fields = fieldsFor("lpt.lead.created", SOURCES, label);
    expect(fields[0]!.path).toBe("view.source");
    const stage = fields.find((f) => f.path === "stage.id")!;
    expect(stage).toMatchObject({ kind: "choice", numeric: true });
    expect(stage.choices).toEqual([{ value: 1, label: "Новый", group: undefined }, { value: 2, label: "В работе", group: undefined }]);
    expect(fields.find((f) => f.path === "project")!.choices).toEqual([{ value: 55, label: "Сайт" }]);
    expect(fields.find((f) => f.path === "lead.custom:900")).toMatchObject({ label: "Город", kind: "choice", choices: [{ value: "Москва", label: "Москва" }, { value: "Казань", label: "Казань" }] });
    expect(fields.find((f) => f.path === "lead.custom:901")).toMatchObject({ kind: "text" });
  });

  it("offers an amoCRM lead's pipelines, statuses grouped by pipeline, users and custom fields", () => {
    const fields = fieldsFor("amo.lead.status_changed", SOURCES, label);
    const status = fields.find((f) => f.path === "amo.status_id")!;
    expect(status.choices).toEqual([
      { value: 101, label: "Новая", group: "Продажи" },
      { value: 102, label: "Встреча", group: "Продажи" },
      { value: 201, label: "Заявка", group: "Партнёры" },
    ]);
    expect(fields.find((f) => f.path === "amo.responsible_user_id")!.choices).toEqual([{ value: 7, label: "Ирина" }]);
    expect(fields.find((f) => f.path === "lead.custom:501")).toMatchObject({ kind: "choice", choices: [{ value: "Сайт", label: "Сайт" }, { value: "Звонок", label: "Звонок" }] });
    expect(fields.find((f) => f.path === "lead.custom:502")).toMatchObject({ kind: "number" });
    // Phones are offered once, as contact.phone, not again as the PHONE custom field.
    expect(fields.some((f) => f.path === "contact.field:601")).toBe(false);
    expect(fields.some((f) => f.path === "contact.field:602")).toBe(true);
  });

  it("offers changed_to only where a status change webhook knows the old value", () => {
    const status = fieldFor("amo.status_id", fieldsFor("amo.lead.status_changed", SOURCES, label), label);
    expect(operatorsFor(status, "amo.lead.status_changed")).toContain("changed_to");
    expect(operatorsFor(status, "amo.lead.updated")).not.toContain("changed_to");
    expect(operatorsFor(fieldFor("lead.price", fieldsFor("amo.lead.updated", SOURCES, label), label), "amo.lead.updated")).toEqual(["eq", "neq", "gt", "lt", "in", "empty", "not_empty"]);
  });

  it("keeps stored paths the pickers no longer offer, and reads file columns", () => {
    expect(fieldFor("column:Город", [], label)).toMatchObject({ label: "f.column «Город»", kind: "text" });
    expect(fieldFor("lead.custom:999", [], label)).toMatchObject({ label: "f.leadFieldNo999", section: "other" });
    expect(fieldFor("view.medium", [], label)).toMatchObject({ label: "view.medium", section: "other" });
    expect(fieldsFor("import.row", SOURCES, label).map((f) => f.path)).toEqual(["contact.name", "contact.phone", "contact.email"]);
  });

  it("carries the value over when the comparison changes", () => {
    expect(valueForOperator("yandex", "in")).toEqual(["yandex"]);
    expect(valueForOperator(["a", "b"], "eq")).toBe("a");
    expect(valueForOperator("x", "empty")).toBeUndefined();
  });

  it("describes actions with names instead of ids", () => {
    setLang("ru");
    const names = { meta: META, schemas: [SCHEMA] };
    expect(describeAction({ type: "set_pipeline", pipelineId: 10, statusId: 102 }, names)).toBe("Перенести в «Продажи» → «Встреча»");
    expect(describeAction({ type: "set_responsible", userId: 7 }, names)).toBe("Ответственный: Ирина");
    expect(describeAction({ type: "lpt_set_stage", stageId: 2 }, names)).toBe("Этап в LPTracker: «В работе»");
    expect(describeAction({ type: "set_responsible", userId: 404 }, names)).toBe("Ответственный: #404");
  });
});

describe("activity chart geometry", () => {
  it("rounds the scale up to 1-2-5 steps", () => {
    expect(niceScale(0)).toEqual({ top: 4, step: 1 });
    expect(niceScale(3)).toEqual({ top: 3, step: 1 });
    expect(niceScale(7)).toEqual({ top: 8, step: 2 });
    expect(niceScale(37)).toEqual({ top: 40, step: 10 });
    expect(niceScale(180)).toEqual({ top: 200, step: 50 });
  });

  it("stacks synced, failed and skipped in proportion inside the plot", () => {
    const buckets = [
      { start: 0, synced: 4, failed: 0, skipped: 0 },
      { start: 1, synced: 1, failed: 2, skipped: 1 },
      { start: 2, synced: 0, failed: 0, skipped: 0 },
    ];
    const l = layoutChart(buckets, { width: 332, height: 130, left: 32, bottom: 22, top: 8 });
    const bottom = l.plot.top + l.plot.height;
    expect(l.bars[0]!.segments).toEqual([{ outcome: "synced", value: 4, y: bottom - l.plot.height, height: l.plot.height }]);
    const heights = l.bars[1]!.segments.map((s) => s.height);
    expect(heights).toEqual([l.plot.height / 4, l.plot.height / 2, l.plot.height / 4]);
    expect(l.bars[2]!.segments).toEqual([]);
    expect(l.bars.every((b) => b.x >= l.plot.left && b.x + b.width <= l.plot.left + l.plot.width)).toBe(true);
    expect(l.ticks.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
    expect(sumBuckets(buckets)).toEqual({ synced: 5, failed: 2, skipped: 1 });
  });

  it("labels fewer bars when the chart is narrow", () => {
    const many = Array.from({ length: 24 }, (_, i) => ({ start: i, synced: 0, failed: 0, skipped: 0 }));
    expect(layoutChart(many, { width: 1200, height: 200 }).labelEvery).toBe(1);
    expect(layoutChart(many, { width: 360, height: 200 }).labelEvery).toBeGreaterThanOrEqual(4);
  });
});

describe("uploads", () => {
  it("accepts XLSX, XLS and CSV files up to 20 MB", () => {
    expect(checkFile({ name: "лиды.XLSX", size: 10 })).toBeNull();
    expect(checkFile({ name: "calls.csv", size: 10 })).toBeNull();
    expect(checkFile({ name: "old.xls", size: 10 })).toBeNull();
    expect(checkFile({ name: "notes.ods", size: 10 })).toBe("type");
    expect(checkFile({ name: "big.xlsx", size: 21 * 1024 * 1024 })).toBe("size");
    expect(checkFile({ name: "empty.csv", size: 0 })).toBe("empty");
  });

  it("starts from the detected columns of the chosen kind", () => {
    const upload = { headers: ["ФИО", "Телефон", "Результат", "Длительность"], detected: { name: 0, phone: 1, result: 2, duration: 3 } };
    expect(guessKind(upload)).toBe("calls");
    expect(guessKind({ detected: { phone: 1 } })).toBe("leads");
    expect(initialColumns("leads", upload)).toEqual({ name: 0, phone: 1 });
    expect(initialColumns("calls", upload)).toEqual({ phone: 1, result: 2, duration: 3 });
    expect(startRequest("leads", { name: 0, phone: 1, result: 2 }, 55)).toEqual({ kind: "leads", columns: { name: 0, phone: 1 }, projectId: 55 });
    expect(startRequest("calls", { phone: 1 }, null)).toEqual({ kind: "calls", columns: { phone: 1 } });
    // The sheet and header row the preview showed go along, so the import reads what the admin saw.
    expect(startRequest("calls", { phone: 1 }, null, { sheetName: "Звонки", headerRow: 3 })).toEqual({ kind: "calls", columns: { phone: 1 }, sheet: "Звонки", headerRow: 3 });
  });

  it("shows unreadable cells as the file does and says what each date became", () => {
    expect(cellText({ unreadable: "error", text: "#N/A" })).toBe("#N/A");
    expect(unreadableText({ unreadable: "formula", text: "=A1*2" })).toBe("=A1*2");
    expect(unreadableText("#N/A")).toBeNull();
    expect(cellText(45366.5)).toBe("45366.5");
    const upload = { rows: [["07.12.2026", "завтра", null, "  "]], dates: [[1796590800, null, null, null]] };
    expect(dateOutcome(upload, 0, 0)).toBe(1796590800);
    expect(dateOutcome(upload, 0, 1)).toBe("none");
    expect(dateOutcome(upload, 0, 2)).toBeNull();
    expect(dateOutcome(upload, 0, 3)).toBeNull();
  });

  it("asks for a phone or e-mail column and refuses one column for two fields", () => {
    expect(checkMapping("leads", { name: 0 })).toEqual(["needPhoneOrEmail"]);
    expect(checkMapping("leads", { email: 2 })).toEqual([]);
    expect(checkMapping("calls", { result: 2 })).toEqual(["needPhone"]);
    expect(checkMapping("calls", { phone: 1, result: 1 })).toEqual(["duplicate"]);
  });

  it("shows 100 % only when the server says done", () => {
    expect(progressOf({ done: 50, total: 200, status: "processing", ratePerSec: 10, etaSec: 15 })).toEqual({ percent: 25, done: 50, total: 200, ratePerSec: 10, etaSec: 15 });
    expect(progressOf({ done: 200, total: 200, status: "processing", ratePerSec: 10, etaSec: 0 }).percent).toBe(99);
    expect(progressOf({ done: 200, total: 200, status: "done", ratePerSec: 10, etaSec: 0 })).toMatchObject({ percent: 100, etaSec: null });
    expect(progressOf({ done: 0, total: 0, status: "parsing", ratePerSec: null, etaSec: null }).percent).toBe(0);
    expect(etaParts(42)).toEqual({ unit: "sec", n: 42 });
    expect(etaParts(150)).toEqual({ unit: "min", n: 3 });
    expect(etaParts(5400)).toEqual({ unit: "hour", n: 1.5 });
    expect(etaParts(null)).toBeNull();
  });
});

describe("filters in the address bar", () => {
  it("reads the calls filter, keeps defaults out of the URL and sends epoch ms to the API", () => {
    const f = readCallFilter(new URLSearchParams("from=2026-07-01&to=2026-07-02&syncStatus=bogus&sort=duration&offset=50"));
    expect(f).toEqual({ from: "2026-07-01", to: "2026-07-02", result: "", syncStatus: "", sort: "duration", dir: "desc", offset: 50 });
    expect(callFilterParams({ ...f, sort: "startedAt", offset: 0 })).toEqual({ from: "2026-07-01", to: "2026-07-02", result: undefined, syncStatus: undefined, sort: undefined, dir: undefined, offset: undefined });
    const q = callApiQuery(f);
    expect(q.from).toBe(new Date(2026, 6, 1).getTime());
    expect(q.to).toBe(new Date(2026, 6, 3).getTime() - 1);
    expect(toggleSort(f, "duration")).toMatchObject({ sort: "duration", dir: "asc", offset: 0 });
    expect(toggleSort(f, "startedAt")).toMatchObject({ sort: "startedAt", dir: "desc" });
  });

  it("reads the audit filter and replays only by what the events API understands", () => {
    const log = readAuditFilter(new URLSearchParams("level=error&source=admin&q=4711&entityType=lpt_lead&entityId=77"));
    expect(auditApiQuery(log)).toMatchObject({ level: "error", source: "admin", q: "4711", entityType: "lpt_lead", entityId: "77", limit: 50, offset: 0 });
    // "admin" is an audit source, not an event source: a bulk replay ignores it rather than failing.
    expect(replayScope(log)).toEqual({ source: undefined, from: undefined, to: undefined });
    const events = readAuditFilter(new URLSearchParams("view=events&status=failed&source=lptracker&from=2026-07-01"));
    expect(eventApiQuery(events)).toMatchObject({ status: "failed", source: "lptracker", from: new Date(2026, 6, 1).getTime() });
    expect(replayScope(events)).toMatchObject({ source: "lptracker" });
    expect(auditFilterParams(events)).toMatchObject({ view: "events", status: "failed", source: "lptracker" });
    expect(readAuditFilter(new URLSearchParams("level=fatal&status=nope")).level).toBe("");
  });

  it("builds query strings without empty values", () => {
    expect(queryString({ a: 1, b: "", c: undefined, d: null, e: false, f: "x y" })).toBe("?a=1&f=x+y");
    expect(queryString({})).toBe("");
  });
});

describe("wording", () => {
  it("picks the interface language out of a bilingual server detail", () => {
    const detail = "Вы не вошли: откройте страницу из amoCRM. / Not signed in: open the page from amoCRM.";
    expect(pickLanguage(detail, "ru")).toBe("Вы не вошли: откройте страницу из amoCRM.");
    expect(pickLanguage(detail, "en")).toBe("Not signed in: open the page from amoCRM.");
    expect(pickLanguage("rule 3 / 4 failed", "ru")).toBe("rule 3 / 4 failed");
  });

  it("turns a failure into the server's detail, or plain words when there was no answer", () => {
    const words = { network: "NET", server: (s: number) => `HTTP ${s}` };
    expect(errorText(new ApiError(0, null), "ru", words)).toEqual({ message: "NET", requestId: null, status: 0 });
    expect(errorText(new ApiError(502, null), "en", words).message).toBe("HTTP 502");
    const problem = { type: "/problems/validation", title: "Invalid input", status: 400, detail: "Назовите правило / Name the rule", requestId: "r-1" };
    expect(errorText(new ApiError(400, problem), "en", words)).toEqual({ message: "Name the rule", requestId: "r-1", status: 400 });
  });

  it("formats durations, sizes and calendar days", () => {
    expect(duration(42)).toBe("0:42");
    expect(duration(725)).toBe("12:05");
    expect(duration(3723)).toBe("1:02:03");
    expect(fileSize(2_621_440, "ru")).toBe("2,5 МБ");
    expect(fileSize(2048, "en")).toBe("2 KB");
    expect(msToDateInput(dateInputToMs("2026-02-28"))).toBe("2026-02-28");
    expect(dateInputToMs("28.02.2026")).toBeUndefined();
  });
});

describe("dictionaries", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it("have the same keys and the same {values} in Russian and English", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ru).sort());
    for (const key of Object.keys(ru) as (keyof typeof ru)[]) {
      expect([...new Set(placeholders(en[key]))], key).toEqual([...new Set(placeholders(ru[key]))]);
    }
  });

  it("give counted phrases three Russian forms and two English ones", () => {
    for (const key of Object.keys(ru) as (keyof typeof ru)[]) {
      if (!ru[key].includes("|")) continue;
      expect(ru[key].split("|"), key).toHaveLength(3);
      expect(en[key].split("|"), key).toHaveLength(2);
    }
    setLang("ru");
    expect(tn("rules.conditions", 1)).toBe("1 условие");
    expect(tn("rules.conditions", 3)).toBe("3 условия");
    expect(tn("rules.conditions", 11)).toBe("11 условий");
    setLang("en");
    expect(tn("rules.conditions", 1)).toBe("1 condition");
    expect(tn("rules.conditions", 2)).toBe("2 conditions");
    setLang("ru");
    expect(lang.value).toBe("ru");
    expect(fill("{a} и {b}", { a: 1 })).toBe("1 и {b}");
  });
});
