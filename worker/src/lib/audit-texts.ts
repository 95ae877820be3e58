// The audit-log messages the admin page shows in its own words: a code → the English text stored as
// `message` (for logs and exports); the code and its params travel in the row's `data.text`.
import type { ParamValue } from "./errors";

export const AUDIT_TEXTS = {
  tokens_not_forgotten: "Could not delete the amoCRM tokens after the uninstall",
  disconnect_refused_final: "The uninstall hook was refused for good: amoCRM still accepts the integration's access; nothing was changed",
  disconnect_refused: "A signed uninstall hook arrived, but amoCRM still accepts the integration's access (possibly a replayed request); nothing was changed, checking once more in 5 minutes",
  disconnect_pending: "An uninstall hook arrived but amoCRM cannot be reached now: nothing was touched, the check will be retried",
  disconnect_unconfirmed: "The uninstall could not be confirmed: amoCRM did not answer after {attempts} attempts; nothing was touched",
  uninstalled: "The integration was disabled in amoCRM; data is deleted after {days} days unless it is reinstalled",
  restored_before_purge: "The integration was reinstalled before the purge: data kept",
  admin_rights_lost: "Admin user {userId} was signed out: {why}",
  admin_signed_in: "Admin user {userId} signed in to the admin page",
  admin_link_issued: "Admin user {userId} got a one-time admin page link",
  admin_signed_out: "Admin user {userId} signed out",
  widget_switched_off: "The widget was switched off in amoCRM: events are kept until it is switched on.",
  widget_switched_on: "The widget was switched on again in amoCRM.",
} as const;

export type AuditTextCode = keyof typeof AUDIT_TEXTS;

/** Words from a fixed set inside audit texts: the English here, the admin page's under `param.<name>.<value>`. */
export const AUDIT_WORDS = {
  why: {
    user_gone: "the user no longer exists in amoCRM",
    user_inactive: "the user was deactivated in amoCRM",
    not_admin: "the user is no longer an amoCRM admin",
  },
} as const;

/** `message` and `data` for writeAudit: the English text, and the code with its params beside any other data. */
export function auditText(code: AuditTextCode, params: Record<string, ParamValue> = {}, data: Record<string, unknown> = {}): { message: string; data: Record<string, unknown> } {
  const words: Record<string, Record<string, string>> = AUDIT_WORDS;
  const message = AUDIT_TEXTS[code].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? (words[name]?.[String(params[name])] ?? String(params[name])) : whole));
  return { message, data: { ...data, text: { code, params } } };
}
