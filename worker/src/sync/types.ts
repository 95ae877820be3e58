// Domain types of mapping, stage maps and rules: the contract between the engine (pure functions
// in this folder), the API, the widget's mapping editor and the admin page's rule constructor.

/** amoCRM metadata as cached per account (filled at install, daily and on demand); shapes in contracts/amocrm.ts. */
export type { AmoEnum, AmoCustomField, AmoStatus, AmoPipeline, AmoUser, AmoTaskType, AmoMetadata } from "../contracts/amocrm";

/**
 * Where a mapped value comes from. String paths so that pickers and storage stay simple:
 * `lead.name`, `contact.name`, `contact.phones`, `contact.emails`, `contact.field:<id>`,
 * `lead.custom:<id>` (cats options included), `view.source|campaign|keyword|seo_system|referrer|platform`,
 * `stage`, `payments.sum`, `lead.date`, `project`, and for imports `column:<header>`.
 */
export type MappingSource = string;

export interface MappingTarget {
  entity: "contact" | "lead";
  /** A built-in field or `custom` with fieldId. `phone`/`email` are the contact's PHONE/EMAIL multitext fields. */
  field: "name" | "price" | "responsible_user_id" | "tags" | "phone" | "email" | "custom";
  fieldId?: number;
  /** PHONE/EMAIL enum code (WORK, MOB, PRIV, …) for multitext targets. */
  enumCode?: string;
}

export type Transform =
  | { kind: "as_is" }
  | { kind: "date" }
  | { kind: "number" }
  /** Source value (case-insensitive) → amoCRM enum id (select/multiselect) or value. */
  | { kind: "enum_map"; map: Record<string, number | string>; fallback?: number | string }
  | { kind: "join"; separator: string }
  | { kind: "constant"; value: string | number };

export interface MappingRow {
  id: string;
  source: MappingSource;
  target: MappingTarget;
  transform: Transform;
}

/** A row as the API shows it: with the reason it is broken, when it is. */
export interface MappingRowView extends MappingRow {
  broken?: string;
}

export interface StageMapEntry {
  lptStageId: number;
  amoPipelineId: number;
  amoStatusId: number;
  direction: "both" | "to_amo" | "to_lpt";
}

export type RuleTrigger = "lpt.lead.created" | "lpt.lead.updated" | "amo.lead.status_changed" | "amo.lead.updated" | "import.row";

export type RuleOperator = "eq" | "neq" | "contains" | "starts_with" | "empty" | "not_empty" | "in" | "gt" | "lt" | "changed_to";

/**
 * A fact path a condition reads: `lead.name`, `lead.price`, `lead.custom:<id>`, `contact.name`,
 * `contact.phone`, `contact.email`, `contact.field:<id>`, `stage` (name), `stage.id`, `view.source`,
 * `view.campaign`, `view.keyword`, `tags`, `amo.pipeline_id`, `amo.status_id`, `amo.responsible_user_id`,
 * `project`, `column:<header>` (imports).
 */
export type FactPath = string;

export interface RuleCondition {
  field: FactPath;
  op: RuleOperator;
  value?: string | number | (string | number)[];
}

export interface RuleGroup {
  match: "all" | "any";
  items: (RuleCondition | RuleGroup)[];
}

export type RuleAction =
  | { type: "set_pipeline"; pipelineId: number; statusId: number }
  | { type: "set_responsible"; userId: number }
  | { type: "add_tags"; tags: string[] }
  | { type: "add_note"; text: string }
  | { type: "create_task"; text: string; taskTypeId: number; dueInHours: number; responsibleUserId?: number }
  | { type: "post_calls" }
  | { type: "lpt_push"; mode: "create" | "update" }
  | { type: "lpt_set_stage"; stageId: number }
  | { type: "skip" }
  | { type: "stop" };

export interface Rule {
  id: number;
  name: string;
  enabled: boolean;
  position: number;
  trigger: RuleTrigger;
  conditions: RuleGroup;
  actions: RuleAction[];
  /** Counts every saved change (1 = as created); audit entries name the version that shaped an event. */
  version?: number;
  /**
   * Why the rule no longer fits the account (a condition on a field deleted in amoCRM or LPTracker).
   * Set when rules are loaded against the fact catalogue; a rule with problems skips itself.
   */
  problems?: string[];
}

export type FactValue = string | number | boolean | null | (string | number)[];
export type Facts = Record<FactPath, FactValue | undefined>;

/** One condition as evaluated: what was read, what it was compared with, and the answer. */
export interface ConditionTrace {
  kind: "condition";
  field: FactPath;
  op: RuleOperator;
  value?: RuleCondition["value"];
  /** The fact's value for this event (undefined when the event has no such fact). */
  actual: FactValue | null;
  matched: boolean;
  detail: string;
}
export interface GroupTrace {
  kind: "group";
  match: "all" | "any";
  matched: boolean;
  items: (ConditionTrace | GroupTrace)[];
}

/** Where a rule ended up for one event. */
export type RuleStatus = "matched" | "not_matched" | "not_reached" | "disabled" | "invalid";

export interface RuleTraceEntry {
  ruleId: number;
  name: string;
  matched: boolean;
  detail: string[];
  status: RuleStatus;
  version: number;
  /** The evaluated condition tree (absent when the rule was not evaluated). */
  conditions?: GroupTrace;
  /** Why an invalid rule skipped itself. */
  problems?: string[];
}

/** What the rules decided for one event: the actions in order and why. */
export interface RulePlan {
  actions: (RuleAction & { ruleId: number; ruleVersion?: number })[];
  matched: number[];
  skipped: boolean;
  stoppedBy: number | null;
  trace: RuleTraceEntry[];
}
