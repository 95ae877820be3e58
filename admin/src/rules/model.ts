// The rule being edited as plain data: the condition tree addressed by index paths and changed
// without mutation, actions allowed per trigger, and the checks that run before saving. Pure.
import { ACTIONS_BY_TRIGGER, MAX_ACTIONS, MAX_CONDITIONS, MAX_GROUP_DEPTH, OPERATORS, TRIGGERS } from "../../../worker/src/sync/schemas";
import type { Rule, RuleAction, RuleGroup, RuleInput, RuleTrigger } from "../../../worker/src/api-types";
import type { RuleCondition, RuleOperator } from "../../../worker/src/sync/types";

export { TRIGGERS, OPERATORS, MAX_GROUP_DEPTH };
export type { RuleCondition, RuleOperator };
export type ActionType = RuleAction["type"];
export type Item = RuleCondition | RuleGroup;
/** Indexes from the root group down to a group. */
export type Path = number[];

export const isGroup = (x: Item): x is RuleGroup => typeof x === "object" && x !== null && "items" in x;

export function emptyRule(trigger: RuleTrigger = "lpt.lead.created"): RuleInput {
  return { name: "", enabled: true, trigger, conditions: { match: "all", items: [] }, actions: [] };
}

export function toInput(rule: Rule): RuleInput {
  return { name: rule.name, enabled: rule.enabled, trigger: rule.trigger, conditions: rule.conditions, actions: rule.actions };
}

export function groupAt(root: RuleGroup, path: Path): RuleGroup {
  let g = root;
  for (const i of path) {
    const next = g.items[i];
    if (!next || !isGroup(next)) throw new Error(`no group at ${path.join(".")}`);
    g = next;
  }
  return g;
}

/** A copy of the tree with the group at `path` replaced by `fn(group)`. */
export function updateGroup(root: RuleGroup, path: Path, fn: (g: RuleGroup) => RuleGroup): RuleGroup {
  if (!path.length) return fn(root);
  const [head, ...rest] = path;
  return { ...root, items: root.items.map((item, i) => (i === head && isGroup(item) ? updateGroup(item, rest, fn) : item)) };
}

export const addItem = (root: RuleGroup, path: Path, item: Item) => updateGroup(root, path, (g) => ({ ...g, items: [...g.items, item] }));
export const removeItem = (root: RuleGroup, path: Path, index: number) => updateGroup(root, path, (g) => ({ ...g, items: g.items.filter((_, i) => i !== index) }));
export const replaceItem = (root: RuleGroup, path: Path, index: number, item: Item) =>
  updateGroup(root, path, (g) => ({ ...g, items: g.items.map((x, i) => (i === index ? item : x)) }));

/** Levels of groups, the root counting as one (what the server limits). */
export function depthOf(g: RuleGroup): number {
  return 1 + Math.max(0, ...g.items.filter(isGroup).map(depthOf));
}

export function countConditions(g: RuleGroup): number {
  return g.items.reduce((n, x) => n + (isGroup(x) ? countConditions(x) : 1), 0);
}

export function allowedActions(trigger: RuleTrigger): readonly ActionType[] {
  return ACTIONS_BY_TRIGGER[trigger];
}

/** Changes the trigger and drops the actions the new one does not allow; says which went. */
export function withTrigger(rule: RuleInput, trigger: RuleTrigger): { rule: RuleInput; dropped: ActionType[] } {
  const allowed = allowedActions(trigger);
  const dropped = rule.actions.filter((a) => !allowed.includes(a.type)).map((a) => a.type);
  return { rule: { ...rule, trigger, actions: rule.actions.filter((a) => allowed.includes(a.type)) }, dropped };
}

/** A new action of a kind; ids start at 0, meaning "not chosen yet", which validation reports. */
export function newAction(type: ActionType): RuleAction {
  switch (type) {
    case "set_pipeline":
      return { type, pipelineId: 0, statusId: 0 };
    case "set_responsible":
      return { type, userId: 0 };
    case "add_tags":
      return { type, tags: [] };
    case "add_note":
      return { type, text: "" };
    case "create_task":
      return { type, text: "", taskTypeId: 0, dueInHours: 24 };
    case "lpt_push":
      return { type, mode: "update" };
    case "lpt_set_stage":
      return { type, stageId: 0 };
    default:
      return { type } as RuleAction;
  }
}

export function move<T>(list: readonly T[], index: number, delta: -1 | 1): T[] {
  const to = index + delta;
  if (to < 0 || to >= list.length) return [...list];
  const out = [...list];
  [out[index], out[to]] = [out[to]!, out[index]!];
  return out;
}

export const NO_VALUE_OPS: RuleOperator[] = ["empty", "not_empty"];

/** "yandex, google" typed for `in` becomes a list; numbers stay numbers when the field is numeric. */
export function parseList(text: string, numeric: boolean): (string | number)[] {
  return text
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (numeric && /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
}

export interface Issue {
  /** Where: "name", "conditions.0.1", "actions.2". */
  at: string;
  /** An i18n key under "issue.". */
  code:
    | "name"
    | "noActions"
    | "tooManyActions"
    | "skipAlone"
    | "notAllowed"
    | "depth"
    | "tooManyConditions"
    | "field"
    | "value"
    | "pipeline"
    | "status"
    | "user"
    | "tags"
    | "text"
    | "taskType"
    | "due"
    | "stage";
}

function blank(v: RuleCondition["value"]): boolean {
  return v === undefined || (typeof v === "string" && v.trim() === "") || (Array.isArray(v) && v.length === 0);
}

function checkGroup(g: RuleGroup, at: string, out: Issue[]): void {
  g.items.forEach((item, i) => {
    const here = `${at}.${i}`;
    if (isGroup(item)) return checkGroup(item, here, out);
    if (!item.field.trim() || item.field === "column:") out.push({ at: here, code: "field" });
    if (!NO_VALUE_OPS.includes(item.op) && blank(item.value)) out.push({ at: here, code: "value" });
  });
}

function checkAction(a: RuleAction, at: string, out: Issue[]): void {
  switch (a.type) {
    case "set_pipeline":
      if (!a.pipelineId) out.push({ at, code: "pipeline" });
      else if (!a.statusId) out.push({ at, code: "status" });
      break;
    case "set_responsible":
      if (!a.userId) out.push({ at, code: "user" });
      break;
    case "add_tags":
      if (!a.tags.some((x) => x.trim())) out.push({ at, code: "tags" });
      break;
    case "add_note":
      if (!a.text.trim()) out.push({ at, code: "text" });
      break;
    case "create_task":
      if (!a.text.trim()) out.push({ at, code: "text" });
      if (!a.taskTypeId) out.push({ at, code: "taskType" });
      if (!(a.dueInHours > 0)) out.push({ at, code: "due" });
      break;
    case "lpt_set_stage":
      if (!a.stageId) out.push({ at, code: "stage" });
      break;
  }
}

/** What would stop the server from accepting the rule, found before sending it. */
export function validateRule(rule: RuleInput): Issue[] {
  const out: Issue[] = [];
  if (!rule.name.trim()) out.push({ at: "name", code: "name" });
  if (depthOf(rule.conditions) > MAX_GROUP_DEPTH) out.push({ at: "conditions", code: "depth" });
  if (countConditions(rule.conditions) > MAX_CONDITIONS) out.push({ at: "conditions", code: "tooManyConditions" });
  checkGroup(rule.conditions, "conditions", out);
  if (!rule.actions.length) out.push({ at: "actions", code: "noActions" });
  if (rule.actions.length > MAX_ACTIONS) out.push({ at: "actions", code: "tooManyActions" });
  const allowed = allowedActions(rule.trigger);
  rule.actions.forEach((a, i) => {
    if (!allowed.includes(a.type)) out.push({ at: `actions.${i}`, code: "notAllowed" });
    checkAction(a, `actions.${i}`, out);
  });
  if (rule.actions.length > 1 && rule.actions.some((a) => a.type === "skip")) out.push({ at: "actions", code: "skipAlone" });
  return out;
}

/** Tags typed as "yandex, горячий" → ["yandex", "горячий"]. */
export function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
