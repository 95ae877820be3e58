// The mapping editor's logic: pickers filled from metadata, conversions per target, and the checks
// that mark a row red before it is saved.
import { describe, expect, it } from "vitest";
import ru from "../../../widget/i18n/ru.json";
import type { AmoMetadata, LptProjectSchema, MappingRow } from "../../src/api-types";
import { createT, type Dict } from "../../../widget/src/i18n";
import {
  knownSourceValues,
  multitextCodes,
  parseTargetKey,
  retarget,
  rowIssue,
  rowProblem,
  sourceLabel,
  sourceOptions,
  stageMapIssues,
  statusOptions,
  switchTransform,
  targetKey,
  targetKind,
  targetOptions,
  transformKinds,
} from "../../../widget/src/mapping-model";

const t = createT(ru as Dict);

const meta: AmoMetadata = {
  pipelines: [
    { id: 10, name: "Повторные", sort: 200, is_main: false, statuses: [{ id: 101, name: "Новая", sort: 10 }] },
    { id: 20, name: "Воронка", sort: 100, is_main: true, statuses: [{ id: 202, name: "Переговоры", sort: 20 }, { id: 201, name: "Первичный контакт", sort: 10 }] },
  ],
  leadFields: [
    { id: 500, name: "utm_source", code: "UTM_SOURCE", type: "tracking_data", sort: 10 },
    { id: 501, name: "Источник сделки", type: "select", enums: [{ id: 1, value: "Сайт" }, { id: 2, value: "Звонок" }], sort: 20 },
    { id: 502, name: "Бюджет клиента", type: "numeric", sort: 30 },
    { id: 503, name: "Адрес", type: "legal_entity", sort: 40 },
  ],
  contactFields: [
    { id: 600, name: "Телефон", code: "PHONE", type: "multitext", enums: [{ id: 1, value: "WORK" }, { id: 2, value: "MOB" }] },
    { id: 601, name: "Город", type: "text" },
  ],
  users: [{ id: 7, name: "Анна" }],
  taskTypes: [],
  fetchedAt: 1,
};

const schema: LptProjectSchema = {
  projectId: 1,
  stages: [{ id: 1, name: "Новый" }, { id: 2, name: "В работе" }],
  customs: [{ id: 77, name: "Источник обращения", type: "cats", options: ["Сайт", "Звонок", "Партнёр"] }],
  contactFields: [{ id: 88, name: "Должность", type: "string" }],
};

const row = (over: Partial<MappingRow>): MappingRow => ({ id: "r", source: "view.source", target: { entity: "lead", field: "name" }, transform: { kind: "as_is" }, ...over });

describe("mapping pickers", () => {
  it("offer LPTracker values from the project's schema, grouped", () => {
    const groups = sourceOptions(schema, t);
    expect(groups.map((g) => g.label)).toEqual(["Лид", "Контакт", "Поля лида LPTracker", "Поля контакта LPTracker", "Визит и UTM"]);
    expect(groups[2]!.options).toEqual([{ value: "lead.custom:77", label: "Источник обращения" }]);
  });
  it("name unknown sources instead of hiding them", () => {
    expect(sourceLabel("lead.custom:77", schema, t)).toBe("Источник обращения");
    expect(sourceLabel("column:Город", schema, t)).toBe("Колонка файла «Город»");
    expect(sourceLabel("lead.custom:99", schema, t)).toBe("Неизвестное поле (lead.custom:99)");
  });
  it("offer amoCRM fields from metadata, without PHONE/EMAIL duplicates or fields nothing can fill", () => {
    const [lead, contact] = targetOptions(meta, t);
    expect(lead!.options.map((o) => o.value)).toEqual(["lead:name", "lead:price", "lead:responsible_user_id", "lead:tags", "lead:custom:500", "lead:custom:501", "lead:custom:502"]);
    expect(lead!.options.find((o) => o.value === "lead:custom:501")!.label).toBe("Источник сделки (список)");
    expect(contact!.options.map((o) => o.value)).not.toContain("contact:custom:600");
    expect(contact!.options.map((o) => o.value)).toContain("contact:custom:601");
  });
  it("round-trip targets through their picker keys", () => {
    for (const target of [{ entity: "lead", field: "custom", fieldId: 501 }, { entity: "contact", field: "phone" }] as const) {
      expect(parseTargetKey(targetKey(target))).toEqual(target);
    }
    expect(parseTargetKey("lead:custom:")).toBeNull();
    expect(parseTargetKey("deal:name")).toBeNull();
  });
  it("list LPTracker values a value map can start from", () => {
    expect(knownSourceValues("lead.custom:77", schema)).toEqual(["Сайт", "Звонок", "Партнёр"]);
    expect(knownSourceValues("stage", schema)).toEqual(["Новый", "В работе"]);
    expect(knownSourceValues("view.source", schema)).toEqual([]);
  });
  it("offer the account's phone types and statuses in amoCRM's order", () => {
    expect(multitextCodes(meta, { entity: "contact", field: "phone" })).toEqual(["WORK", "MOB"]);
    expect(statusOptions(meta).map((g) => g.label)).toEqual(["Воронка", "Повторные"]);
    expect(statusOptions(meta)[0]!.options.map((o) => o.value)).toEqual(["20:201", "20:202"]);
  });
});

describe("mapping conversions", () => {
  it("fit the target's kind", () => {
    expect(targetKind({ entity: "lead", field: "custom", fieldId: 501 }, meta)).toBe("enum");
    expect(transformKinds("enum")).toEqual(["enum_map", "constant"]);
    expect(transformKinds("number")).toContain("number");
    expect(targetKind({ entity: "lead", field: "custom", fieldId: 999 }, meta)).toBe("missing");
  });
  it("reset the conversion when a list field is chosen, and pick the first phone type", () => {
    expect(retarget(row({}), { entity: "lead", field: "custom", fieldId: 501 }, meta).transform).toEqual({ kind: "enum_map", map: {} });
    expect(retarget(row({}), { entity: "contact", field: "phone" }, meta).target).toEqual({ entity: "contact", field: "phone", enumCode: "WORK" });
    expect(retarget(row({ transform: { kind: "number" } }), { entity: "lead", field: "custom", fieldId: 502 }, meta).transform).toEqual({ kind: "number" });
  });
  it("start each conversion kind with sensible settings", () => {
    expect(switchTransform({ kind: "as_is" }, "join")).toEqual({ kind: "join", separator: ", " });
    expect(switchTransform({ kind: "as_is" }, "constant")).toEqual({ kind: "constant", value: "" });
  });
});

describe("mapping row checks", () => {
  it("accept a complete row", () => {
    expect(rowIssue(row({}), meta)).toBeNull();
    expect(rowIssue(row({ target: { entity: "lead", field: "custom", fieldId: 501 }, transform: { kind: "enum_map", map: { сайт: 1 } } }), meta)).toBeNull();
  });
  it("want a source unless the value is fixed", () => {
    expect(rowIssue(row({ source: "" }), meta)?.key).toBe("mapping.issue.no_source");
    expect(rowIssue(row({ source: "", transform: { kind: "constant", value: "LPTracker" } }), meta)).toBeNull();
  });
  it("refuse phones on the lead and a budget on the contact", () => {
    expect(rowIssue(row({ target: { entity: "lead", field: "phone" } }), meta)?.key).toBe("mapping.issue.contact_only");
    expect(rowIssue(row({ target: { entity: "contact", field: "price" } }), meta)?.key).toBe("mapping.issue.price_lead_only");
  });
  it("flag deleted and unusable amoCRM fields", () => {
    expect(rowIssue(row({ target: { entity: "lead", field: "custom", fieldId: 999 } }), meta)).toEqual({ key: "mapping.issue.field_gone", params: { id: 999 } });
    expect(rowIssue(row({ target: { entity: "lead", field: "custom", fieldId: 503 } }), meta)?.key).toBe("mapping.issue.field_unsupported");
    expect(rowIssue(row({ target: { entity: "lead", field: "custom" } }), meta)?.key).toBe("mapping.issue.no_target");
  });
  it("want a value map for list fields, with options that still exist", () => {
    const list = { entity: "lead", field: "custom", fieldId: 501 } as const;
    expect(rowIssue(row({ target: list }), meta)?.key).toBe("mapping.issue.enum_needs_map");
    expect(rowIssue(row({ target: list, transform: { kind: "enum_map", map: {} } }), meta)?.key).toBe("mapping.issue.map_empty");
    expect(rowIssue(row({ target: list, transform: { kind: "enum_map", map: { Сайт: 3 } } }), meta)?.key).toBe("mapping.issue.option_gone");
    expect(rowIssue(row({ target: list, transform: { kind: "enum_map", map: { Сайт: 1 }, fallback: 9 } }), meta)?.key).toBe("mapping.issue.option_gone");
  });
  it("check fixed values: not empty, a real user, a real option", () => {
    expect(rowIssue(row({ transform: { kind: "constant", value: " " } }), meta)?.key).toBe("mapping.issue.constant_empty");
    expect(rowIssue(row({ target: { entity: "lead", field: "responsible_user_id" }, transform: { kind: "constant", value: 8 } }), meta)?.key).toBe("mapping.issue.user_gone");
    expect(rowIssue(row({ target: { entity: "lead", field: "responsible_user_id" }, transform: { kind: "constant", value: 7 } }), meta)).toBeNull();
    expect(rowIssue(row({ target: { entity: "lead", field: "custom", fieldId: 501 }, transform: { kind: "constant", value: "Звонок" } }), meta)).toBeNull();
  });
  it("explain problems in Russian first and fall back to the server's reason", () => {
    expect(rowProblem({ ...row({ source: "" }), broken: "No LPTracker value chosen for this row" }, meta, t)).toBe("Выберите, какое поле LPTracker переносить.");
    expect(rowProblem({ ...row({}), broken: "something only the server knows" }, meta, t)).toBe("something only the server knows");
    expect(rowProblem(row({}), meta, t)).toBeNull();
  });
});

describe("stage map checks", () => {
  it("refuse one LPTracker stage sent to two statuses and one status sent back to two stages", () => {
    const issues = stageMapIssues([
      { lptStageId: 1, amoPipelineId: 20, amoStatusId: 201, direction: "both" },
      { lptStageId: 1, amoPipelineId: 20, amoStatusId: 202, direction: "to_amo" },
      { lptStageId: 2, amoPipelineId: 20, amoStatusId: 201, direction: "to_lpt" },
      { lptStageId: 2, amoPipelineId: 20, amoStatusId: 202, direction: "to_lpt" },
    ]);
    expect([...issues.entries()]).toEqual([
      [1, { key: "mapping.issue.stage_twice" }],
      [2, { key: "mapping.issue.status_twice" }],
    ]);
  });
});
