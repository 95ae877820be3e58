// Rules in words: triggers, comparisons and actions with amoCRM and LPTracker names instead of ids,
// for the rules list, the dry-run result and the constructor's labels.
import type { AmoMetadata, LptProjectSchema, RuleAction, RuleTrigger } from "../../../worker/src/api-types";
import { t, type Key } from "../i18n";
import type { RuleOperator } from "./model";

export const TRIGGER_KEY: Record<RuleTrigger, Key> = {
  "lpt.lead.created": "trigger.lptCreated",
  "lpt.lead.updated": "trigger.lptUpdated",
  "amo.lead.status_changed": "trigger.amoStatus",
  "amo.lead.updated": "trigger.amoUpdated",
  "import.row": "trigger.importRow",
};

export const OPERATOR_KEY: Record<RuleOperator, Key> = {
  eq: "op.eq",
  neq: "op.neq",
  contains: "op.contains",
  starts_with: "op.starts_with",
  empty: "op.empty",
  not_empty: "op.not_empty",
  in: "op.in",
  gt: "op.gt",
  lt: "op.lt",
  changed_to: "op.changed_to",
};

export const ACTION_KEY: Record<RuleAction["type"], Key> = {
  set_pipeline: "action.set_pipeline",
  set_responsible: "action.set_responsible",
  add_tags: "action.add_tags",
  add_note: "action.add_note",
  create_task: "action.create_task",
  post_calls: "action.post_calls",
  lpt_push: "action.lpt_push",
  lpt_set_stage: "action.lpt_set_stage",
  skip: "action.skip",
  stop: "action.stop",
};

export interface Names {
  meta: AmoMetadata | null;
  schemas: LptProjectSchema[];
}

const unknown = (id: number) => `#${id}`;

export function pipelineName(n: Names, id: number): string {
  return n.meta?.pipelines.find((p) => p.id === id)?.name ?? unknown(id);
}

export function statusName(n: Names, pipelineId: number, statusId: number): string {
  const p = n.meta?.pipelines.find((x) => x.id === pipelineId);
  const s = p?.statuses.find((x) => x.id === statusId) ?? n.meta?.pipelines.flatMap((x) => x.statuses).find((x) => x.id === statusId);
  return s?.name ?? unknown(statusId);
}

export function userName(n: Names, id: number): string {
  return n.meta?.users.find((u) => u.id === id)?.name ?? unknown(id);
}

export function stageName(n: Names, id: number): string {
  return n.schemas.flatMap((s) => s.stages).find((s) => s.id === id)?.name ?? unknown(id);
}

/** One line per action: "Move to «Sales» → «New»". */
export function describeAction(a: RuleAction, n: Names): string {
  switch (a.type) {
    case "set_pipeline":
      return t("describe.set_pipeline", { pipeline: pipelineName(n, a.pipelineId), status: statusName(n, a.pipelineId, a.statusId) });
    case "set_responsible":
      return t("describe.set_responsible", { user: userName(n, a.userId) });
    case "add_tags":
      return t("describe.add_tags", { tags: a.tags.join(", ") });
    case "add_note":
      return t("describe.add_note", { text: a.text.length > 60 ? `${a.text.slice(0, 60)}…` : a.text });
    case "create_task": {
      const type = n.meta?.taskTypes.find((x) => x.id === a.taskTypeId)?.name ?? unknown(a.taskTypeId);
      return t("describe.create_task", { type, hours: a.dueInHours, text: a.text });
    }
    case "lpt_push":
      return t(a.mode === "create" ? "describe.lpt_push_create" : "describe.lpt_push_update");
    case "lpt_set_stage":
      return t("describe.lpt_set_stage", { stage: stageName(n, a.stageId) });
    default:
      return t(ACTION_KEY[a.type]);
  }
}
