// Event and audit vocabulary in words: sources, actions and a one-line title for an event.
import type { EventView } from "../../../worker/src/api-types";
import { t, type Key } from "../i18n";

const SOURCES: Record<string, Key> = {
  lptracker: "source.lptracker",
  amocrm: "source.amocrm",
  import: "source.import",
  reconcile: "source.reconcile",
  manual: "source.manual",
  api: "source.api",
  system: "source.system",
  admin: "source.admin",
  widget: "source.widget",
  rules: "source.rules",
  mapping: "source.mapping",
};

const ACTIONS: Record<string, Key> = {
  create: "eventAction.create",
  update: "eventAction.update",
  delete: "eventAction.delete",
  status: "eventAction.status",
  sync: "eventAction.sync",
  rejected: "eventAction.rejected",
  dp: "eventAction.dp",
  unsorted_accept: "eventAction.unsorted_accept",
  unsorted_decline: "eventAction.unsorted_decline",
  unsorted_link: "eventAction.unsorted_link",
};

export function sourceLabel(source: string): string {
  const key = SOURCES[source];
  return key ? t(key) : source;
}

export function eventActionLabel(action: string): string {
  const key = ACTIONS[action];
  return key ? t(key) : action;
}

/** "#12 · LPTracker · new lead 4711". */
export function eventTitle(e: Pick<EventView, "id" | "source" | "action" | "externalId">): string {
  const what = eventActionLabel(e.action);
  return `#${e.id} · ${sourceLabel(e.source)} · ${what}${e.externalId ? ` ${e.externalId}` : ""}`;
}

export const EVENT_SOURCES = ["lptracker", "amocrm", "import", "reconcile", "manual"] as const;
export const AUDIT_SOURCES = ["lptracker", "amocrm", "rules", "mapping", "import", "reconcile", "manual", "admin", "widget", "system"] as const;
export const ENTITY_TYPES = ["lpt_lead", "amo_lead", "amo_contact", "rule", "rule_action", "import", "lpt_project", "lpt_connection", "account"] as const;

const ENTITIES: Record<string, Key> = {
  lpt_lead: "entity.lpt_lead",
  amo_lead: "entity.amo_lead",
  amo_contact: "entity.amo_contact",
  rule: "entity.rule",
  rule_action: "entity.rule_action",
  import: "entity.import",
  lpt_project: "entity.lpt_project",
  lpt_connection: "entity.lpt_connection",
  account: "entity.account",
  dp_action: "entity.dp_action",
};

export function entityLabel(type: string): string {
  const key = ENTITIES[type];
  return key ? t(key) : type;
}
export const EVENT_STATUSES = ["failed", "done", "skipped", "received", "processing", "parked", "paused", "rejected"] as const;
