// Checks a rule's conditions against the catalogue of facts: the field must exist for the trigger,
// the comparison must fit its type, and the value must be of that type (or one of its options).
import { factCatalogue as factCatalogueOf, factDef, factScope, operatorsOf, type CatalogueSources, type FactDef, type FactScope } from "./facts";
import { targetsOf } from "./rules";
import { parseNumberLoose, toEpochMs } from "./transforms";
import type { RuleCondition, RuleGroup, RuleTrigger } from "../types";

export interface ConditionIssue {
  /** Where in the body: "conditions.items.0.items.1.field". */
  path: string;
  /** The condition's field as stored. */
  field: string;
  /** unknown: never was a fact; deleted: a custom field that is gone; operator / value: does not fit. */
  kind: "unknown" | "deleted" | "operator" | "value";
  message: string;
}

export interface CheckSources extends CatalogueSources {
  /**
   * Some LPTracker project schemas could not be read: an LPTracker field id that is not found may
   * belong to one of those, so it is not called deleted.
   */
  lptPartial?: boolean;
}

const CUSTOM_PATH = /^(lead\.custom|contact\.field):(\d+)$/;

const isGroup = (x: RuleCondition | RuleGroup): x is RuleGroup => "items" in x && "match" in x;

function quote(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : String(v);
}

function valueProblem(def: FactDef, cond: RuleCondition): string | null {
  if (cond.op === "empty" || cond.op === "not_empty") return null;
  const targets = targetsOf(cond);
  for (const v of targets) {
    if (def.type === "number" && parseNumberLoose(v) === null) return `${quote(v)} is not a number`;
    if (def.type === "date" && toEpochMs(v) === null) return `${quote(v)} is not a date (use 2024-03-15 or 15.03.2024)`;
    if (def.type === "boolean" && !["true", "false", "1", "0"].includes(String(v).trim().toLowerCase())) return `${quote(v)} is not true or false`;
    if (def.type === "enum" && def.options?.length) {
      const hit = def.options.some((o) => String(o.value).toLowerCase() === String(v).trim().toLowerCase() || (!def.numeric && o.label.toLowerCase() === String(v).trim().toLowerCase()));
      if (!hit) return `${quote(v)} is not one of its options (${def.options.slice(0, 10).map((o) => (def.numeric ? `${o.value} = ${o.label}` : o.label)).join(", ")}${def.options.length > 10 ? ", …" : ""})`;
    }
  }
  return null;
}

function missingField(path: string, scope: FactScope, src: CheckSources, trigger: RuleTrigger): Pick<ConditionIssue, "kind" | "message"> | null {
  const m = CUSTOM_PATH.exec(path);
  if (m) {
    const [, family, id] = m;
    const where = scope === "amo" ? "amoCRM" : "LPTracker";
    // Without the account's metadata nothing can be said about custom fields yet.
    if (scope === "amo" && !src.meta) return null;
    if (scope === "lpt" && (src.schemas.length === 0 || src.lptPartial)) return null;
    if (scope === "import") return { kind: "unknown", message: `the field "${path}" cannot be read from an imported row; use a file column (column:<header>)` };
    const what = family === "lead.custom" ? "lead field" : "contact field";
    return { kind: "deleted", message: `the ${where} ${what} #${id} of "${path}" does not exist (deleted in ${where}?)` };
  }
  return { kind: "unknown", message: `the field "${path}" does not exist for the trigger "${trigger}"` };
}

function walk(group: RuleGroup, at: string, ctx: { trigger: RuleTrigger; scope: FactScope; catalogue: FactDef[]; src: CheckSources }, out: ConditionIssue[]): void {
  group.items.forEach((item, i) => {
    const here = `${at}.items.${i}`;
    if (isGroup(item)) return walk(item, here, ctx, out);
    const def = factDef(ctx.catalogue, item.field, ctx.scope);
    if (!def) {
      const miss = missingField(item.field.trim(), ctx.scope, ctx.src, ctx.trigger);
      if (miss) out.push({ path: `${here}.field`, field: item.field, ...miss });
      return;
    }
    const ops = operatorsOf(def, ctx.trigger);
    if (!ops.includes(item.op)) {
      out.push({ path: `${here}.op`, field: item.field, kind: "operator", message: `"${item.op}" does not fit the ${def.type} field "${item.field}"; use one of ${ops.join(", ")}` });
      return;
    }
    const bad = valueProblem(def, item);
    if (bad) out.push({ path: `${here}.value`, field: item.field, kind: "value", message: `the value of "${item.field}" (${def.type}): ${bad}` });
  });
}

/** Every condition that does not fit the catalogue, in tree order. */
export function checkConditions(trigger: RuleTrigger, conditions: RuleGroup, src: CheckSources, catalogue?: FactDef[]): ConditionIssue[] {
  const scope = factScope(trigger);
  const out: ConditionIssue[] = [];
  walk(conditions, "conditions", { trigger, scope, catalogue: catalogue ?? catalogueFor(scope, src), src }, out);
  return out;
}

const cache = new WeakMap<CheckSources, Map<FactScope, FactDef[]>>();

/** One catalogue per scope and sources object, so checking many rules builds it once. */
export function catalogueFor(scope: FactScope, src: CheckSources): FactDef[] {
  let byScope = cache.get(src);
  if (!byScope) cache.set(src, (byScope = new Map()));
  let list = byScope.get(scope);
  if (!list) byScope.set(scope, (list = factCatalogueOf(scope, src)));
  return list;
}

/**
 * A stored rule's problems as the sync sees them: only fields that are gone make a saved rule
 * invalid (the operator and value were checked when it was saved, against the same catalogue).
 */
export function storedRuleProblems(trigger: RuleTrigger, conditions: RuleGroup, src: CheckSources): string[] {
  return checkConditions(trigger, conditions, src).map((i) => i.message);
}
