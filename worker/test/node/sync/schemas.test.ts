import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  describeIssues,
  mappingRowsSchema,
  ruleActionSchema,
  ruleCreateSchema,
  ruleGroupSchema,
  ruleUpdateSchema,
  stageMapSchema,
} from "../../../src/sync/schemas";
import type { RuleCondition, RuleGroup } from "../../../src/sync/types";
import { defaultMapping } from "../../../src/sync/mapping/mapping";
import { meta } from "./fixtures";

function messages(schema: z.ZodType, input: unknown): string[] {
  const r = schema.safeParse(input);
  return r.success ? [] : describeIssues(r.error).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
}

const cond: RuleCondition = { field: "view.source", op: "eq", value: "yandex" };

function nested(depth: number): RuleGroup {
  let g: RuleGroup = { match: "all", items: [cond] };
  for (let i = 1; i < depth; i++) g = { match: "any", items: [g] };
  return g;
}

describe("schemas: mapping", () => {
  it("accepts the default mapping", () => {
    expect(mappingRowsSchema.parse(defaultMapping(meta()))).toEqual(defaultMapping(meta()));
  });

  it("explains a custom target without a field, phones sent to a lead and an empty value map", () => {
    const rows = [
      { id: "a", source: "view.source", target: { entity: "lead", field: "custom" }, transform: { kind: "as_is" } },
      { id: "b", source: "contact.phones", target: { entity: "lead", field: "phone" }, transform: { kind: "as_is" } },
      { id: "c", source: "lead.custom:1", target: { entity: "lead", field: "custom", fieldId: 5 }, transform: { kind: "enum_map", map: {} } },
      { id: "c", source: "", target: { entity: "lead", field: "tags" }, transform: { kind: "uppercase" } },
    ];
    expect(messages(mappingRowsSchema, rows)).toEqual([
      "0.target.fieldId: Choose the amoCRM field this value goes to",
      "1.target.entity: Phones and e-mails can only go to the contact",
      "2.transform.map: The value map is empty: add at least one LPTracker value and its amoCRM option",
      "3.transform.kind: Unknown conversion: use as_is, date, number, enum_map, join or constant",
    ]);
  });

  it("refuses two rows with the same id and a row without a source", () => {
    const rows = [
      { id: "a", source: "lead.name", target: { entity: "lead", field: "name" }, transform: { kind: "as_is" } },
      { id: "a", source: " ", target: { entity: "lead", field: "tags" }, transform: { kind: "as_is" } },
    ];
    expect(messages(mappingRowsSchema, rows)).toEqual([
      "1.source: Choose which LPTracker value this row copies",
      '1.id: Two rows share the id "a"; every row needs its own',
    ]);
  });

  it("upper-cases phone type codes", () => {
    const [row] = mappingRowsSchema.parse([{ id: "a", source: "contact.phones", target: { entity: "contact", field: "phone", enumCode: "mob" }, transform: { kind: "as_is" } }]);
    expect(row!.target.enumCode).toBe("MOB");
  });
});

describe("schemas: stage map", () => {
  it("accepts a map and defaults the direction to both", () => {
    expect(stageMapSchema.parse([{ lptStageId: 1, amoPipelineId: 2, amoStatusId: 3 }])).toEqual([{ lptStageId: 1, amoPipelineId: 2, amoStatusId: 3, direction: "both" }]);
  });

  it("refuses one LPTracker stage sent to two amoCRM statuses, and the reverse", () => {
    const entries = [
      { lptStageId: 1, amoPipelineId: 2, amoStatusId: 3, direction: "both" },
      { lptStageId: 1, amoPipelineId: 2, amoStatusId: 4, direction: "to_amo" },
      { lptStageId: 5, amoPipelineId: 2, amoStatusId: 3, direction: "to_lpt" },
      { lptStageId: 1, amoPipelineId: 2, amoStatusId: 6, direction: "to_lpt" },
    ];
    expect(messages(stageMapSchema, entries)).toEqual([
      '1.lptStageId: LPTracker stage #1 is already sent to amoCRM by entry 1; keep one of them or make one "to_lpt"',
      '2.amoStatusId: amoCRM status #3 is already sent to LPTracker by entry 1; keep one of them or make one "to_amo"',
    ]);
  });

  it("asks for whole positive ids", () => {
    expect(messages(stageMapSchema, [{ lptStageId: "x", amoPipelineId: 1.5, amoStatusId: -1, direction: "up" }])).toEqual([
      "0.lptStageId: The LPTracker stage id must be a number",
      "0.amoPipelineId: The amoCRM pipeline id must be a whole number",
      "0.amoStatusId: The amoCRM status id must be a positive number",
      "0.direction: The direction must be both, to_amo or to_lpt",
    ]);
  });
});

describe("schemas: rule conditions", () => {
  it("accepts nested groups up to 5 levels", () => {
    expect(ruleGroupSchema.parse(nested(5))).toEqual(nested(5));
  });

  it("refuses groups nested deeper than 5 levels", () => {
    expect(messages(ruleGroupSchema, nested(6))).toEqual(["Groups can be nested at most 5 levels deep; flatten some of them"]);
  });

  it("refuses more than 50 conditions in all", () => {
    const group: RuleGroup = { match: "all", items: [{ match: "any", items: Array(30).fill(cond) }, ...Array(21).fill(cond)] };
    expect(messages(ruleGroupSchema, group)).toEqual(["A rule can have at most 50 conditions (this one has 51)"]);
    expect(ruleGroupSchema.safeParse({ match: "all", items: Array(50).fill(cond) }).success).toBe(true);
  });

  it("names the bad condition inside a nested group", () => {
    const group = { match: "all", items: [cond, { match: "any", items: [{ field: "lead.name", op: "like", value: "x" }, { field: "tags", op: "in" }] }] };
    expect(messages(ruleGroupSchema, group)).toEqual([
      "items.1.items.0.op: Unknown comparison: use one of eq, neq, contains, starts_with, empty, not_empty, in, gt, lt, changed_to",
      'items.1.items.1.value: Enter the value "tags" is compared with',
    ]);
  });

  it("needs no value for empty/not_empty", () => {
    expect(ruleGroupSchema.safeParse({ match: "any", items: [{ field: "contact.email", op: "empty" }] }).success).toBe(true);
  });

  it('explains a group that is neither "all" nor "any"', () => {
    expect(messages(ruleGroupSchema, { match: "some", items: [] })).toEqual(['match: A group must match "all" or "any" of its conditions']);
  });
});

describe("schemas: rule actions", () => {
  it("accepts every action type", () => {
    const actions = [
      { type: "set_pipeline", pipelineId: 1, statusId: 2 },
      { type: "set_responsible", userId: 3 },
      { type: "add_tags", tags: ["a"] },
      { type: "add_note", text: "n" },
      { type: "create_task", text: "call", taskTypeId: 1, dueInHours: 2, responsibleUserId: 4 },
      { type: "post_calls" },
      { type: "lpt_push", mode: "create" },
      { type: "lpt_set_stage", stageId: 5 },
      { type: "skip" },
      { type: "stop" },
    ];
    for (const a of actions) expect(ruleActionSchema.parse(a)).toEqual(a);
  });

  it("explains an unknown action and missing details", () => {
    expect(messages(ruleActionSchema, { type: "delete_lead" })).toEqual([
      "type: Unknown action: use set_pipeline, set_responsible, add_tags, add_note, create_task, post_calls, lpt_push, lpt_set_stage, skip or stop",
    ]);
    expect(messages(ruleActionSchema, { type: "add_tags", tags: [] })).toEqual(["tags: Add at least one tag"]);
    expect(messages(ruleActionSchema, { type: "create_task", text: " ", taskTypeId: 1, dueInHours: 0 })).toEqual([
      "text: The task text cannot be empty",
      "dueInHours: The due time must be later than now",
    ]);
  });
});

describe("schemas: rule body", () => {
  const body = {
    name: "Yandex leads",
    trigger: "lpt.lead.created",
    conditions: { match: "all", items: [cond] },
    actions: [{ type: "add_tags", tags: ["yandex"] }, { type: "stop" }],
  };

  it("accepts a rule and enables it by default", () => {
    expect(ruleCreateSchema.parse(body)).toEqual({ ...body, enabled: true });
  });

  it("refuses more than 20 actions", () => {
    const many = { ...body, actions: Array(21).fill({ type: "post_calls" }) };
    expect(messages(ruleCreateSchema, many)).toEqual(["actions: A rule can have at most 20 actions"]);
  });

  it("refuses actions that do not fit the trigger", () => {
    expect(messages(ruleCreateSchema, { ...body, actions: [{ type: "lpt_set_stage", stageId: 1 }] })).toEqual([
      'actions.0.type: "lpt_set_stage" cannot be used with the trigger "lpt.lead.created"',
    ]);
  });

  it("refuses skip next to other actions", () => {
    expect(messages(ruleCreateSchema, { ...body, actions: [{ type: "add_note", text: "x" }, { type: "skip" }] })).toEqual([
      "actions.1: skip drops the whole event, so other actions next to it would never run; make it the rule's only action",
    ]);
  });

  it("explains a missing name and an unknown trigger", () => {
    expect(messages(ruleCreateSchema, { ...body, name: "", trigger: "lead.moved" })).toEqual([
      "name: The rule name cannot be empty",
      "trigger: Unknown trigger: use one of lpt.lead.created, lpt.lead.updated, amo.lead.status_changed, amo.lead.updated, import.row",
    ]);
  });

  it("accepts a partial update without touching enabled, and refuses an empty one", () => {
    expect(ruleUpdateSchema.parse({ name: "Renamed" })).toEqual({ name: "Renamed" });
    expect(messages(ruleUpdateSchema, {})).toEqual(["Nothing to update: send at least one field"]);
  });
});
