// A project's lead policy: what a repeat request does and who becomes the responsible user of a
// new amoCRM lead. The zod schema is the API contract; `policyIssues` checks ids against the account.
import { z } from "zod";
import type { AmoMetadata } from "../types";

const id = z.number().int().positive();

export const leadPolicySchema = z
  .object({
    /** new: a new lead every time; attach: add to the contact's open lead; new_if_closed: new only when the last lead is closed. */
    repeatMode: z.enum(["new", "attach", "new_if_closed"]),
    /** Pipelines whose leads count for a repeat request; empty = every pipeline. */
    repeatPipelines: z.array(id).max(100),
    assignMode: z.enum(["none", "fixed", "round_robin", "lpt_owner"]),
    fixedUserId: id.nullable(),
    rrUsers: z.array(id).max(200),
    staffMap: z.array(z.object({ lptStaffId: id, amoUserId: id }).strict()).max(500),
    fallbackUserId: id.nullable(),
    contactOwnerWins: z.boolean(),
  })
  .strict();

export type LeadPolicy = z.infer<typeof leadPolicySchema>;

export const DEFAULT_LEAD_POLICY: LeadPolicy = {
  repeatMode: "new",
  repeatPipelines: [],
  assignMode: "none",
  fixedUserId: null,
  rrUsers: [],
  staffMap: [],
  fallbackUserId: null,
  contactOwnerWins: false,
};

export interface PolicyIssue {
  field: string;
  /** Stable code the clients translate; `id` is the amoCRM or LPTracker id it is about. */
  code: "unknown_user" | "unknown_pipeline" | "unknown_staff" | "duplicate_user" | "duplicate_staff" | "fixed_user_required" | "rr_users_required";
  id?: number;
  message: string;
}

/**
 * What in a policy does not fit the account: unknown users or pipelines, a mode without what it
 * needs. Empty when it can be saved. Users are judged only when amoCRM let us list them.
 */
export function policyIssues(p: LeadPolicy, meta: AmoMetadata, staffIds: Set<number> | null): PolicyIssue[] {
  const out: PolicyIssue[] = [];
  const users = new Set(meta.users.map((u) => u.id));
  const knowUsers = users.size > 0;
  const pipelines = new Set(meta.pipelines.map((x) => x.id));
  p.repeatPipelines.forEach((x, i) => {
    if (!pipelines.has(x)) out.push({ field: `repeatPipelines.${i}`, code: "unknown_pipeline", id: x, message: `amoCRM has no pipeline ${x}.` });
  });
  const user = (field: string, v: number | null) => {
    if (v !== null && knowUsers && !users.has(v)) out.push({ field, code: "unknown_user", id: v, message: `amoCRM has no user ${v}.` });
  };
  user("fixedUserId", p.fixedUserId);
  user("fallbackUserId", p.fallbackUserId);
  p.rrUsers.forEach((u, i) => user(`rrUsers.${i}`, u));
  p.rrUsers.forEach((u, i) => {
    if (p.rrUsers.indexOf(u) !== i) out.push({ field: `rrUsers.${i}`, code: "duplicate_user", id: u, message: `User ${u} is listed twice in the round-robin.` });
  });
  const seen = new Set<number>();
  p.staffMap.forEach((m, i) => {
    user(`staffMap.${i}.amoUserId`, m.amoUserId);
    if (staffIds && !staffIds.has(m.lptStaffId)) out.push({ field: `staffMap.${i}.lptStaffId`, code: "unknown_staff", id: m.lptStaffId, message: `LPTracker has no staff member ${m.lptStaffId}.` });
    if (seen.has(m.lptStaffId)) out.push({ field: `staffMap.${i}.lptStaffId`, code: "duplicate_staff", id: m.lptStaffId, message: `LPTracker staff member ${m.lptStaffId} is mapped twice.` });
    seen.add(m.lptStaffId);
  });
  if (p.assignMode === "fixed" && p.fixedUserId === null) out.push({ field: "fixedUserId", code: "fixed_user_required", message: "Choose the amoCRM user who gets every new lead." });
  if (p.assignMode === "round_robin" && p.rrUsers.length === 0) out.push({ field: "rrUsers", code: "rr_users_required", message: "Choose at least one amoCRM user for the round-robin." });
  return out;
}

/** GET/PUT /api/widget/lead-policy/:projectId answer. */
export interface LeadPolicyResponse extends LeadPolicy {
  projectId: number;
  /** False while the project runs on the defaults. */
  saved: boolean;
  updatedAt: number | null;
}

/** Why a repeat request went where it went: a code the clients translate, with `leadId`. */
export type RepeatWhy = "no_contact" | "no_leads" | "no_leads_in_pipelines" | "all_closed" | "open_lead" | "last_closed" | "last_open";

export interface RepeatDecision {
  mode: LeadPolicy["repeatMode"];
  outcome: "new" | "attached" | "not_repeat";
  /** The lead attached to, or the closed last lead. */
  leadId?: number;
  code: RepeatWhy;
  /** The same in English, for the audit log. */
  why: string;
}
