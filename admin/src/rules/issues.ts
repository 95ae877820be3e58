// A condition that does not fit the catalogue of facts, in the interface language, with the
// field's own name where the pickers know it.
import type { ConditionIssue } from "../../../worker/src/api-types";
import { t } from "../i18n";
import { fieldFor, type FieldDef, type Label } from "./fields";

export function issueText(issue: ConditionIssue, fields: FieldDef[], label: Label): string {
  const field = fieldFor(issue.field, fields, label).label;
  const detail = issue.kind === "value" ? issue.message.replace(/^.*?\): /, "") : "";
  return t(`issue.kind.${issue.kind}`, { field, detail });
}

/** The issues a save or preview was refused for (the problem's `issues`), when it names any. */
export function problemIssues(err: unknown): ConditionIssue[] {
  const problem = (err as { problem?: { issues?: unknown } } | null)?.problem;
  return Array.isArray(problem?.issues) ? (problem.issues as ConditionIssue[]) : [];
}
