// The HTTP API's request and response types, imported by the widget and the admin page so that
// neither redeclares them. Each comes from a zod schema in contracts/ (z.infer); errors are always
// RFC 9457 problem+json: ApiProblem.
export type * from "./contracts/widget";
export type * from "./contracts/admin";
export type { AmoMetadata, MappingRowView, MappingRow, StageMapEntry, Rule, RuleAction, RulePlan, RuleTrigger, RuleGroup } from "./sync/types";
/** A condition that does not fit the catalogue of facts (see sync/rules/rule-check.ts). */
export type { ConditionIssue } from "./sync/rules/rule-check";
