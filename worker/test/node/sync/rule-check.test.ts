import { describe, expect, it } from "vitest";
import { checkConditions } from "../../../src/sync/rules/rule-check";
import { factCatalogue } from "../../../src/sync/rules/facts";
import { flagRules, runChain } from "../../../src/sync/rules/rule-chain";
import type { CatalogueSources } from "../../../src/sync/rules/facts";
import { all, any, BUDGET, DEAL_SOURCE, meta, rule, VISIT_DATE } from "./fixtures";

const SRC: CatalogueSources = {
  meta: meta({ leadFields: [DEAL_SOURCE, BUDGET, VISIT_DATE] }),
  schemas: [{ projectId: 55, stages: [{ id: 1, name: "Новый" }], customs: [{ id: 900, name: "Город", type: "cats", options: ["Москва", "Казань"] }], contactFields: [] }],
  projects: [{ id: 55, name: "Сайт" }],
};

describe("catalogue of facts", () => {
  it("types each fact and takes enum options from the account", () => {
    const lpt = factCatalogue("lpt", SRC);
    expect(lpt.find((f) => f.path === "lead.custom:900")).toMatchObject({ type: "enum", options: [{ value: "Москва" }, { value: "Казань" }] });
    expect(lpt.find((f) => f.path === "stage.id")).toMatchObject({ type: "enum", numeric: true, options: [{ value: 1, label: "Новый" }] });
    const amo = factCatalogue("amo", SRC);
    expect(amo.find((f) => f.path === `lead.custom:${DEAL_SOURCE.id}`)).toMatchObject({ type: "enum", options: expect.arrayContaining([{ value: "Сайт", label: "Сайт" }]) });
    expect(amo.find((f) => f.path === `lead.custom:${BUDGET.id}`)!.type).toBe("number");
    expect(amo.find((f) => f.path === `lead.custom:${VISIT_DATE.id}`)!.type).toBe("date");
  });
});

describe("condition checks", () => {
  it("refuses an unknown field, naming it and where it is", () => {
    const issues = checkConditions("lpt.lead.created", all({ field: "view.source", op: "eq", value: "avito" }, any({ field: "lead.no_such_field", op: "eq", value: "x" })), SRC);
    expect(issues).toEqual([expect.objectContaining({ path: "conditions.items.1.items.0.field", field: "lead.no_such_field", kind: "unknown" })]);
    expect(issues[0]!.message).toContain("lead.no_such_field");
  });

  it("refuses an operator that does not fit the type, and a value of the wrong type", () => {
    expect(checkConditions("amo.lead.updated", all({ field: "lead.price", op: "contains", value: "1" }), SRC)[0]).toMatchObject({ kind: "operator", path: "conditions.items.0.op" });
    expect(checkConditions("amo.lead.updated", all({ field: "lead.price", op: "gt", value: "много" }), SRC)[0]).toMatchObject({ kind: "value", path: "conditions.items.0.value" });
    expect(checkConditions("amo.lead.updated", all({ field: `lead.custom:${DEAL_SOURCE.id}`, op: "eq", value: "Телевизор" }), SRC)[0]).toMatchObject({ kind: "value" });
    expect(checkConditions("lpt.lead.created", all({ field: "lead.date", op: "gt", value: "вчера" }), SRC)[0]).toMatchObject({ kind: "value" });
    expect(checkConditions("amo.lead.updated", all({ field: "amo.status_id", op: "changed_to", value: 101 }), SRC)[0]).toMatchObject({ kind: "operator" });
  });

  it("accepts what fits: options by name, ids as numbers, dates, columns of a file", () => {
    expect(checkConditions("amo.lead.updated", all({ field: `lead.custom:${DEAL_SOURCE.id}`, op: "in", value: ["сайт", "Звонок"] }), SRC)).toEqual([]);
    expect(checkConditions("lpt.lead.created", all({ field: "stage.id", op: "eq", value: 1 }, { field: "lead.date", op: "gt", value: "15.03.2024" }), SRC)).toEqual([]);
    expect(checkConditions("import.row", all({ field: "column:Источник", op: "eq", value: "Авито" }, { field: "contact.phones", op: "contains", value: "999" }), SRC)).toEqual([]);
  });

  it("calls a custom field that is gone deleted, and leaves custom fields alone while the account's fields are unknown", () => {
    expect(checkConditions("amo.lead.updated", all({ field: "lead.custom:424242", op: "eq", value: "x" }), SRC)[0]).toMatchObject({ kind: "deleted" });
    expect(checkConditions("lpt.lead.created", all({ field: "lead.custom:424242", op: "eq", value: "x" }), SRC)[0]).toMatchObject({ kind: "deleted" });
    expect(checkConditions("amo.lead.updated", all({ field: "lead.custom:424242", op: "eq", value: "x" }), { ...SRC, meta: null })).toEqual([]);
    expect(checkConditions("lpt.lead.created", all({ field: "lead.custom:424242", op: "eq", value: "x" }), { ...SRC, lptPartial: true })).toEqual([]);
  });
});

describe("the chain with flagged rules", () => {
  it("skips an invalid rule with its reason, then goes on; OR inside AND decides as written", () => {
    const rules = flagRules(
      [
        rule({ id: 1, position: 1, name: "Gone", conditions: all({ field: "lead.custom:424242", op: "eq", value: "x" }), actions: [{ type: "skip" }] }),
        rule({
          id: 2,
          position: 2,
          name: "Avito or opt",
          conditions: all({ field: "contact.phone", op: "not_empty" }, any({ field: "view.source", op: "eq", value: "avito" }, { field: "lead.name", op: "contains", value: "опт" })),
          actions: [{ type: "add_tags", tags: ["опт"] }, { type: "stop" }],
        }),
        rule({ id: 3, position: 3, name: "Every lead", actions: [{ type: "add_tags", tags: ["все"] }] }),
      ],
      SRC,
    );
    const plan = runChain(rules, "lpt.lead.created", { "contact.phone": ["+79990001122"], "view.source": "google", "lead.name": "Заказ ОПТОМ" });
    expect(plan.trace.map((x) => x.status)).toEqual(["invalid", "matched", "not_reached"]);
    expect(plan.trace[0]!.problems![0]).toContain("424242");
    expect(plan.trace[1]!.conditions!.items[1]).toMatchObject({ kind: "group", match: "any", matched: true, items: [{ matched: false, actual: "google" }, { matched: true, actual: "Заказ ОПТОМ" }] });
    expect(plan.actions.map((a) => a.type)).toEqual(["add_tags"]);
    expect(plan.skipped).toBe(false);
  });
});
