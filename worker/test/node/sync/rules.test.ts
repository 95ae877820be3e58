import { describe, expect, it } from "vitest";
import { evaluateCondition, evaluateGroup, evaluateRules } from "../../../src/sync/rules/rules";
import type { Facts, RuleCondition } from "../../../src/sync/types";
import { all, any, rule } from "./fixtures";

const facts: Facts = {
  "lead.name": "  Заявка на ОКНА ПВХ ",
  "contact.phone": ["+79991234567", "+74951112233"],
  "contact.email": ["ivan@example.ru"],
  "contact.name": null,
  tags: ["VIP", "повторный"],
  "lead.custom:42": ["Окна", "Двери"],
  "view.source": "yandex",
  "view.campaign": "",
  "payments.sum": "1 500,50",
  "lead.price": 2000,
  "lead.date": "2024-03-15T10:00:00+03:00",
  "column:Дата": "15.03.2024",
  "stage.id": 20,
  stage: "Новая",
};

const check = (cond: RuleCondition, f: Facts = facts, previous?: Facts) => evaluateCondition(cond, f, previous).matched;

describe("rules: operators", () => {
  it('matches "eq" ignoring case and surrounding spaces', () => {
    expect(check({ field: "lead.name", op: "eq", value: "заявка на окна пвх" })).toBe(true);
    expect(check({ field: "lead.name", op: "eq", value: "заявка" })).toBe(false);
  });

  it('matches "eq" on an array when any element equals', () => {
    expect(check({ field: "tags", op: "eq", value: "vip" })).toBe(true);
    expect(check({ field: "lead.custom:42", op: "eq", value: "двери" })).toBe(true);
    expect(check({ field: "lead.custom:42", op: "eq", value: "балконы" })).toBe(false);
  });

  it('matches "eq" on a phone written in any format', () => {
    expect(check({ field: "contact.phone", op: "eq", value: "8 (999) 123-45-67" })).toBe(true);
    expect(check({ field: "contact.phones", op: "eq", value: "+7 495 111-22-33" })).toBe(true);
    expect(check({ field: "contact.phone", op: "eq", value: "8 (999) 000-00-00" })).toBe(false);
  });

  it('matches "eq" between a number and its text form', () => {
    expect(check({ field: "stage.id", op: "eq", value: "20" })).toBe(true);
    expect(check({ field: "payments.sum", op: "eq", value: 1500.5 })).toBe(true);
  });

  it('matches "neq" only when no element equals', () => {
    expect(check({ field: "tags", op: "neq", value: "vip" })).toBe(false);
    expect(check({ field: "tags", op: "neq", value: "new" })).toBe(true);
    expect(check({ field: "view.source", op: "neq", value: "google" })).toBe(true);
  });

  it('treats a missing value as "not equal" to anything', () => {
    expect(check({ field: "view.medium", op: "neq", value: "cpc" })).toBe(true);
    expect(check({ field: "view.medium", op: "eq", value: "cpc" })).toBe(false);
  });

  it('matches "contains" case-insensitively on any phone', () => {
    expect(check({ field: "contact.phone", op: "contains", value: "999" })).toBe(true);
    expect(check({ field: "contact.phone", op: "contains", value: "111-22" })).toBe(true);
    expect(check({ field: "contact.phone", op: "contains", value: "777" })).toBe(false);
  });

  it('matches "contains" case-insensitively on text and on any tag', () => {
    expect(check({ field: "lead.name", op: "contains", value: "окна" })).toBe(true);
    expect(check({ field: "tags", op: "contains", value: "ПОВТОР" })).toBe(true);
    expect(check({ field: "lead.name", op: "contains", value: "двери" })).toBe(false);
  });

  it('matches "starts_with" after trimming, and phones by their digits', () => {
    expect(check({ field: "lead.name", op: "starts_with", value: "заявка" })).toBe(true);
    expect(check({ field: "lead.name", op: "starts_with", value: "окна" })).toBe(false);
    expect(check({ field: "contact.phone", op: "starts_with", value: "8 (999)" })).toBe(true);
    expect(check({ field: "contact.phone", op: "starts_with", value: "+7495" })).toBe(true);
    expect(check({ field: "contact.email", op: "starts_with", value: "IVAN@" })).toBe(true);
  });

  it('treats null, "", [] and missing facts as "empty"', () => {
    expect(check({ field: "contact.name", op: "empty" })).toBe(true);
    expect(check({ field: "view.campaign", op: "empty" })).toBe(true);
    expect(check({ field: "tags", op: "empty" }, { tags: [] })).toBe(true);
    expect(check({ field: "nothing.here", op: "empty" })).toBe(true);
    expect(check({ field: "lead.name", op: "empty" })).toBe(false);
  });

  it('matches "not_empty" on any filled value, arrays included', () => {
    expect(check({ field: "contact.email", op: "not_empty" })).toBe(true);
    expect(check({ field: "contact.name", op: "not_empty" })).toBe(false);
    expect(check({ field: "tags", op: "not_empty" }, { tags: [] })).toBe(false);
  });

  it('matches "in" against a list, or a comma-separated string', () => {
    expect(check({ field: "view.source", op: "in", value: ["google", "Yandex"] })).toBe(true);
    expect(check({ field: "view.source", op: "in", value: "google, yandex; vk" })).toBe(true);
    expect(check({ field: "view.source", op: "in", value: ["google", "vk"] })).toBe(false);
    expect(check({ field: "tags", op: "in", value: ["vip", "gold"] })).toBe(true);
  });

  it('compares numbers with "gt"/"lt", accepting "1 500,50"-style text', () => {
    expect(check({ field: "payments.sum", op: "gt", value: 1500 })).toBe(true);
    expect(check({ field: "payments.sum", op: "gt", value: "1 500,50" })).toBe(false);
    expect(check({ field: "payments.sum", op: "lt", value: "2 000" })).toBe(true);
    expect(check({ field: "lead.price", op: "lt", value: 2000 })).toBe(false);
    expect(check({ field: "lead.price", op: "gt", value: "1999,99" })).toBe(true);
  });

  it('compares dates with "gt"/"lt" in ISO, dd.mm.yyyy and unix forms', () => {
    expect(check({ field: "lead.date", op: "gt", value: "01.03.2024" })).toBe(true);
    expect(check({ field: "lead.date", op: "lt", value: "2024-03-16" })).toBe(true);
    expect(check({ field: "lead.date", op: "gt", value: 1_710_485_999 })).toBe(true); // 15.03.2024 10:00 MSK minus a second
    expect(check({ field: "lead.date", op: "gt", value: 1_710_486_000 })).toBe(false);
    expect(check({ field: "column:Дата", op: "lt", value: "2024-03-15T12:00:00Z" })).toBe(true);
    expect(check({ field: "column:Дата", op: "gt", value: "16.03.2024" })).toBe(false);
  });

  it('says so when "gt" meets a value that is neither a number nor a date', () => {
    const r = evaluateCondition({ field: "view.source", op: "gt", value: 5 }, facts);
    expect(r.matched).toBe(false);
    expect(r.detail).toContain("cannot be compared");
  });

  it('matches "changed_to" without previous facts when the current value equals the target', () => {
    expect(check({ field: "stage", op: "changed_to", value: "новая" })).toBe(true);
    expect(check({ field: "stage", op: "changed_to", value: "Закрыта" })).toBe(false);
  });

  it('matches "changed_to" only when the previous value differed', () => {
    expect(check({ field: "stage.id", op: "changed_to", value: 20 }, facts, { "stage.id": 10 })).toBe(true);
    expect(check({ field: "stage.id", op: "changed_to", value: 20 }, facts, { "stage.id": "20" })).toBe(false);
    expect(check({ field: "stage.id", op: "changed_to", value: 20 }, facts, {})).toBe(true);
  });

  it("explains a failed condition in plain English with the actual value", () => {
    const r = evaluateCondition({ field: "view.source", op: "eq", value: "google" }, facts);
    expect(r.detail).toBe('view.source equals "google": no, it is "yandex"');
    const changed = evaluateCondition({ field: "stage.id", op: "changed_to", value: 20 }, facts, { "stage.id": 20 });
    expect(changed.detail).toBe("stage.id changed to 20: no, it was already 20 before");
  });
});

describe("rules: groups", () => {
  it("matches an empty group", () => {
    expect(evaluateGroup(all(), facts).matched).toBe(true);
    expect(evaluateGroup(any(), facts).matched).toBe(true);
  });

  it('"all" needs every item and "any" needs one', () => {
    const yes = { field: "view.source", op: "eq", value: "yandex" } as const;
    const no = { field: "view.source", op: "eq", value: "google" } as const;
    expect(evaluateGroup(all(yes, no), facts).matched).toBe(false);
    expect(evaluateGroup(any(yes, no), facts).matched).toBe(true);
    expect(evaluateGroup(any(no, no), facts).matched).toBe(false);
  });

  it("evaluates nested groups and names the failing condition inside them", () => {
    const group = all(
      { field: "lead.name", op: "contains", value: "окна" },
      any({ field: "view.source", op: "eq", value: "google" }, all({ field: "tags", op: "eq", value: "gold" })),
    );
    const r = evaluateGroup(group, facts);
    expect(r.matched).toBe(false);
    expect(r.detail).toContain("any of the following: no");
    expect(r.detail).toContain('    tags equals "gold": no, it is ["VIP", "повторный"]');
    const fixed = all(group.items[0]!, any({ field: "view.source", op: "eq", value: "google" }, all({ field: "tags", op: "eq", value: "vip" })));
    expect(evaluateGroup(fixed, facts).matched).toBe(true);
  });
});

describe("rules: evaluation", () => {
  const yandex = all({ field: "view.source", op: "eq", value: "yandex" });
  const google = all({ field: "view.source", op: "eq", value: "google" });

  it("runs rules in position order and collects actions with their rule id", () => {
    const rules = [
      rule({ id: 1, position: 2, actions: [{ type: "add_tags", tags: ["second"] }] }),
      rule({ id: 2, position: 1, conditions: yandex, actions: [{ type: "set_responsible", userId: 11 }, { type: "add_tags", tags: ["first"] }] }),
    ];
    const plan = evaluateRules(rules, "lpt.lead.created", facts);
    expect(plan.actions).toEqual([
      { type: "set_responsible", userId: 11, ruleId: 2, ruleVersion: 1 },
      { type: "add_tags", tags: ["first"], ruleId: 2, ruleVersion: 1 },
      { type: "add_tags", tags: ["second"], ruleId: 1, ruleVersion: 1 },
    ]);
    expect(plan.matched).toEqual([2, 1]);
    expect(plan.skipped).toBe(false);
    expect(plan.stoppedBy).toBeNull();
  });

  it("only runs rules of the event's trigger", () => {
    const rules = [
      rule({ id: 1, trigger: "amo.lead.updated", actions: [{ type: "lpt_push", mode: "update" }] }),
      rule({ id: 2, trigger: "lpt.lead.updated", actions: [{ type: "post_calls" }] }),
    ];
    const plan = evaluateRules(rules, "lpt.lead.updated", facts);
    expect(plan.actions).toEqual([{ type: "post_calls", ruleId: 2, ruleVersion: 1 }]);
    expect(plan.trace.map((t) => t.ruleId)).toEqual([2]);
  });

  it("ignores disabled rules but lists them in the trace", () => {
    const rules = [
      rule({ id: 1, enabled: false, actions: [{ type: "skip" }] }),
      rule({ id: 2, actions: [{ type: "add_note", text: "hello" }] }),
    ];
    const plan = evaluateRules(rules, "lpt.lead.created", facts);
    expect(plan.skipped).toBe(false);
    expect(plan.actions).toEqual([{ type: "add_note", text: "hello", ruleId: 2, ruleVersion: 1 }]);
    expect(plan.trace[0]).toEqual({ ruleId: 1, name: "rule 1", matched: false, status: "disabled", version: 1, detail: ["disabled: not evaluated"] });
  });

  it("skips the event: sets skipped, drops collected actions and evaluates nothing after", () => {
    const rules = [
      rule({ id: 1, position: 1, actions: [{ type: "add_tags", tags: ["a"] }] }),
      rule({ id: 2, position: 2, name: "Spam filter", conditions: yandex, actions: [{ type: "skip" }] }),
      rule({ id: 3, position: 3, actions: [{ type: "add_tags", tags: ["c"] }] }),
    ];
    const plan = evaluateRules(rules, "lpt.lead.created", facts);
    expect(plan.skipped).toBe(true);
    expect(plan.actions).toEqual([]);
    expect(plan.matched).toEqual([1, 2]);
    expect(plan.stoppedBy).toBe(2);
    expect(plan.trace[2]!.detail).toEqual(['not evaluated: rule "Spam filter" (#2) skipped the event']);
  });

  it("does not skip when the skipping rule does not match", () => {
    const rules = [rule({ id: 1, conditions: google, actions: [{ type: "skip" }] }), rule({ id: 2, actions: [{ type: "post_calls" }] })];
    const plan = evaluateRules(rules, "lpt.lead.created", facts);
    expect(plan.skipped).toBe(false);
    expect(plan.actions).toEqual([{ type: "post_calls", ruleId: 2, ruleVersion: 1 }]);
  });

  it("stops after the stopping rule's own actions, including those listed after stop", () => {
    const rules = [
      rule({ id: 1, position: 1, conditions: yandex, actions: [{ type: "add_tags", tags: ["a"] }, { type: "stop" }, { type: "post_calls" }] }),
      rule({ id: 2, position: 2, actions: [{ type: "add_tags", tags: ["b"] }] }),
    ];
    const plan = evaluateRules(rules, "lpt.lead.created", facts);
    expect(plan.actions).toEqual([
      { type: "add_tags", tags: ["a"], ruleId: 1, ruleVersion: 1 },
      { type: "post_calls", ruleId: 1, ruleVersion: 1 },
    ]);
    expect(plan.stoppedBy).toBe(1);
    expect(plan.skipped).toBe(false);
    expect(plan.matched).toEqual([1]);
    expect(plan.trace[1]!.matched).toBe(false);
  });

  it("does not stop when the stopping rule does not match", () => {
    const rules = [
      rule({ id: 1, position: 1, conditions: google, actions: [{ type: "stop" }] }),
      rule({ id: 2, position: 2, actions: [{ type: "add_tags", tags: ["b"] }] }),
    ];
    const plan = evaluateRules(rules, "lpt.lead.created", facts);
    expect(plan.stoppedBy).toBeNull();
    expect(plan.actions).toHaveLength(1);
  });

  it("uses previous facts for changed_to across rules", () => {
    const rules = [
      rule({
        id: 1,
        trigger: "amo.lead.status_changed",
        conditions: all({ field: "amo.status_id", op: "changed_to", value: 142 }),
        actions: [{ type: "lpt_set_stage", stageId: 9 }],
      }),
    ];
    const now = { "amo.status_id": 142 };
    expect(evaluateRules(rules, "amo.lead.status_changed", now, { "amo.status_id": 40002 }).actions).toHaveLength(1);
    expect(evaluateRules(rules, "amo.lead.status_changed", now, { "amo.status_id": 142 }).actions).toHaveLength(0);
  });

  it("explains each rule in the trace: which condition failed and which actions were taken", () => {
    const rules = [
      rule({ id: 1, name: "Google leads", conditions: all({ field: "view.source", op: "eq", value: "google" }), actions: [{ type: "post_calls" }] }),
      rule({ id: 2, name: "Everything", actions: [{ type: "add_note", text: "x" }, { type: "stop" }] }),
    ];
    const plan = evaluateRules(rules, "lpt.lead.created", facts);
    expect(plan.trace).toMatchObject([
      { ruleId: 1, name: "Google leads", matched: false, status: "not_matched", detail: ['view.source equals "google": no, it is "yandex"'] },
      { ruleId: 2, name: "Everything", matched: true, status: "matched", detail: ["no conditions: always matches", "actions: add_note, stop"] },
    ]);
    expect(plan.trace[0]!.conditions).toEqual({
      kind: "group",
      match: "all",
      matched: false,
      items: [{ kind: "condition", field: "view.source", op: "eq", value: "google", actual: "yandex", matched: false, detail: 'view.source equals "google": no, it is "yandex"' }],
    });
  });

  it("returns the same plan for the same input (pure)", () => {
    const rules = [rule({ id: 1, conditions: yandex, actions: [{ type: "add_tags", tags: ["a"] }] })];
    const copy = structuredClone(rules);
    expect(evaluateRules(rules, "lpt.lead.created", facts)).toEqual(evaluateRules(rules, "lpt.lead.created", facts));
    expect(rules).toEqual(copy);
  });
});
