// The rules engine: decides, for one event and its facts, which actions run and explains why in
// words an admin can read. Pure: no I/O, same answer for the same input.
import { normalizePhone } from "../../lib/phone";
import { factAt } from "./facts";
import { isBlank, parseNumberLoose, toEpochMs } from "./transforms";
import type { ConditionTrace, FactValue, Facts, GroupTrace, Rule, RuleCondition, RuleGroup, RuleOperator, RulePlan, RuleTraceEntry, RuleTrigger } from "../types";

export interface ConditionResult {
  matched: boolean;
  /** One plain-English line: what was checked, yes/no, and what the value actually was. */
  detail: string;
}

export interface GroupResult {
  matched: boolean;
  /** One line per condition; nested groups are indented by two spaces per level. */
  detail: string[];
  /** The same answer as a tree: each condition with the value it read. */
  tree: GroupTrace;
}

type Atom = string | number | boolean;

const PHONE_PATHS = new Set(["contact.phone", "contact.phones"]);

function atoms(value: FactValue | undefined): Atom[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function targetsOf(cond: RuleCondition): Atom[] {
  const v = cond.value;
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  // "in" takes a list; a single string typed in a form is split on commas, semicolons or lines.
  if (cond.op === "in" && typeof v === "string") return v.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean);
  return [v];
}

const text = (v: Atom) => String(v).trim().toLowerCase();

const digits = (v: Atom) => String(v).replace(/\D/g, "");

/** A target written like a phone ("8 (999) 123", "+7999") compares by digits against E.164 facts. */
const phoneLike = (v: Atom) => /\d/.test(String(v)) && /^[\d\s()+\-.]+$/.test(String(v).trim());

function phoneTargetDigits(t: Atom): string[] {
  const d = digits(t);
  // A Russian "8…" prefix is "+7…" in E.164.
  return d.startsWith("8") && d.length > 1 ? [d, `7${d.slice(1)}`] : [d];
}

function equals(a: Atom, b: Atom, phone: boolean): boolean {
  if (text(a) === text(b)) return true;
  const x = parseNumberLoose(a);
  const y = parseNumberLoose(b);
  if (x !== null && y !== null && x === y) return true;
  if (phone) {
    const p = normalizePhone(a);
    const q = normalizePhone(b);
    return !!p && !!q && p.e164 === q.e164;
  }
  return false;
}

function contains(a: Atom, b: Atom, phone: boolean): boolean {
  if (text(a).includes(text(b))) return true;
  return phone && phoneLike(b) && phoneTargetDigits(b).some((d) => digits(a).includes(d));
}

function startsWith(a: Atom, b: Atom, phone: boolean): boolean {
  if (text(a).startsWith(text(b))) return true;
  return phone && phoneLike(b) && phoneTargetDigits(b).some((d) => digits(a).startsWith(d));
}

/** Numbers compare as numbers ("1 500,50" included); otherwise both sides must read as dates. */
function order(a: Atom, b: Atom): number | null {
  const x = parseNumberLoose(a);
  const y = parseNumberLoose(b);
  if (x !== null && y !== null) return x - y;
  const p = toEpochMs(a);
  const q = toEpochMs(b);
  if (p !== null && q !== null) return p - q;
  return null;
}

function show(value: FactValue | undefined): string {
  if (value === undefined || isBlank(value)) return "empty";
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === "string" ? `"${v}"` : String(v))).join(", ")}]`;
  return typeof value === "string" ? `"${value}"` : String(value);
}

function showTargets(targets: Atom[]): string {
  return targets.map((t) => (typeof t === "string" ? `"${t}"` : String(t))).join(", ");
}

const PHRASES: Record<RuleOperator, string> = {
  eq: "equals",
  neq: "does not equal",
  contains: "contains",
  starts_with: "starts with",
  empty: "is empty",
  not_empty: "is not empty",
  in: "is one of",
  gt: "is greater than",
  lt: "is less than",
  changed_to: "changed to",
};

function describe(cond: RuleCondition, targets: Atom[]): string {
  const needsValue = cond.op !== "empty" && cond.op !== "not_empty";
  return `${cond.field} ${PHRASES[cond.op]}${needsValue ? ` ${showTargets(targets)}` : ""}`;
}

/** Any element of the fact (phones, tags, cats) against any target. */
function anyPair(values: Atom[], targets: Atom[], test: (a: Atom, b: Atom) => boolean): boolean {
  return values.some((a) => targets.some((b) => test(a, b)));
}

export function evaluateCondition(cond: RuleCondition, facts: Facts, previous?: Facts): ConditionResult {
  const value = factAt(facts, cond.field);
  const values = atoms(value);
  const targets = targetsOf(cond);
  const phone = PHONE_PATHS.has(cond.field.trim());
  const what = describe(cond, targets);
  const yes = (): ConditionResult => ({ matched: true, detail: `${what}: yes` });
  const no = (why = `it is ${show(value)}`): ConditionResult => ({ matched: false, detail: `${what}: no, ${why}` });

  if (cond.op === "empty") return isBlank(value) ? yes() : no();
  if (cond.op === "not_empty") return isBlank(value) ? no("it is empty") : yes();
  if (targets.length === 0) return { matched: false, detail: `${what}: no, the condition has no value to compare with` };

  const eq = (a: Atom, b: Atom) => equals(a, b, phone);
  switch (cond.op) {
    case "eq":
    case "in":
      return anyPair(values, targets, eq) ? yes() : no();
    case "neq":
      return anyPair(values, targets, eq) ? no() : yes();
    case "contains":
      return anyPair(values, targets, (a, b) => contains(a, b, phone)) ? yes() : no();
    case "starts_with":
      return anyPair(values, targets, (a, b) => startsWith(a, b, phone)) ? yes() : no();
    case "gt":
    case "lt": {
      const sign = cond.op === "gt" ? 1 : -1;
      let comparable = false;
      for (const a of values) {
        for (const b of targets) {
          const d = order(a, b);
          if (d === null) continue;
          comparable = true;
          if (d * sign > 0) return yes();
        }
      }
      if (values.length && !comparable) return no(`${show(value)} cannot be compared as a number or a date`);
      return no();
    }
    case "changed_to": {
      if (!anyPair(values, targets, eq)) return no();
      const before = factAt(previous, cond.field);
      if (previous && anyPair(atoms(before), targets, eq)) return no(`it was already ${show(before)} before`);
      return yes();
    }
  }
}

const isGroup = (item: RuleCondition | RuleGroup): item is RuleGroup => "match" in item && "items" in item;

/** Evaluates every item (no short cut) so the trace can name each failing condition. */
export function evaluateGroup(group: RuleGroup, facts: Facts, previous?: Facts): GroupResult {
  if (group.items.length === 0) return { matched: true, detail: ["no conditions: always matches"], tree: { kind: "group", match: group.match, matched: true, items: [] } };
  const detail: string[] = [];
  const results: boolean[] = [];
  const items: (ConditionTrace | GroupTrace)[] = [];
  for (const item of group.items) {
    if (isGroup(item)) {
      const inner = evaluateGroup(item, facts, previous);
      results.push(inner.matched);
      items.push(inner.tree);
      const label = item.match === "all" ? "all of" : "any of";
      detail.push(`${label} the following: ${inner.matched ? "yes" : "no"}`);
      detail.push(...inner.detail.map((line) => `  ${line}`));
    } else {
      const r = evaluateCondition(item, facts, previous);
      results.push(r.matched);
      detail.push(r.detail);
      const actual = factAt(facts, item.field);
      items.push({ kind: "condition", field: item.field, op: item.op, ...(item.value !== undefined ? { value: item.value } : {}), actual: actual === undefined ? null : actual, matched: r.matched, detail: r.detail });
    }
  }
  const matched = group.match === "all" ? results.every(Boolean) : results.some(Boolean);
  return { matched, detail, tree: { kind: "group", match: group.match, matched, items } };
}

/**
 * Runs the rules of one trigger in `position` order (ties by id). A matching rule's actions are
 * collected in order, each with its rule id and version. `stop` ends evaluation after the rule's own
 * actions; `skip` means "do not sync this event": it sets `skipped`, ends evaluation and empties
 * `actions` (what would have run stays visible in `trace`). Neither control action appears in
 * `actions`; `stoppedBy` names the rule that ended evaluation by either. Disabled rules and rules
 * whose conditions no longer fit the account (`problems`) never run but are listed in the trace
 * with their status, so an admin sees why.
 */
export function evaluateRules(rules: Rule[], trigger: RuleTrigger, facts: Facts, previous?: Facts): RulePlan {
  const plan: RulePlan = { actions: [], matched: [], skipped: false, stoppedBy: null, trace: [] };
  const ordered = rules.filter((r) => r.trigger === trigger).sort((a, b) => a.position - b.position || a.id - b.id);
  let endedBy: { rule: Rule; how: "skip" | "stop" } | null = null;
  for (const rule of ordered) {
    const version = rule.version ?? 1;
    const entry: RuleTraceEntry = { ruleId: rule.id, name: rule.name, matched: false, detail: [], status: "not_matched", version };
    plan.trace.push(entry);
    if (!rule.enabled) {
      entry.status = "disabled";
      entry.detail.push("disabled: not evaluated");
      continue;
    }
    if (endedBy) {
      const how = endedBy.how === "skip" ? "skipped the event" : "stopped further rules";
      entry.status = "not_reached";
      entry.detail.push(`not evaluated: rule "${endedBy.rule.name}" (#${endedBy.rule.id}) ${how}`);
      continue;
    }
    if (rule.problems?.length) {
      // A condition on a field that is gone can never be judged; the rule steps aside loudly.
      entry.status = "invalid";
      entry.problems = [...rule.problems];
      entry.detail.push(`invalid, skipped: ${rule.problems.join("; ")}`);
      continue;
    }
    const result = evaluateGroup(rule.conditions, facts, previous);
    entry.matched = result.matched;
    entry.status = result.matched ? "matched" : "not_matched";
    entry.conditions = result.tree;
    entry.detail.push(...result.detail);
    if (!result.matched) continue;
    plan.matched.push(rule.id);
    const taken: string[] = [];
    for (const action of rule.actions) {
      taken.push(action.type);
      if (action.type === "skip") {
        endedBy = { rule, how: "skip" };
        break;
      }
      if (action.type === "stop") {
        endedBy ??= { rule, how: "stop" };
        continue;
      }
      plan.actions.push({ ...action, ruleId: rule.id, ruleVersion: version });
    }
    entry.detail.push(taken.length ? `actions: ${taken.join(", ")}` : "no actions");
  }
  if (endedBy) {
    plan.stoppedBy = endedBy.rule.id;
    if (endedBy.how === "skip") {
      plan.skipped = true;
      plan.actions = [];
    }
  }
  return plan;
}
