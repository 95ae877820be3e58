// How the sync's plan applies a project's incoming-leads setting («Неразобранное») to one lead:
// a type on its own so that the admin page can read it without the Worker's modules.

/** How the plan used the project's incoming-leads setting (shown in the dry-run). */
export type UnsortedDecision =
  | { outcome: "off" }
  | { outcome: "declined"; uid: string }
  | { outcome: "joined"; uid: string; leadId: number; why: "linked" | "person" | "own" }
  | { outcome: "entry"; pipelineId: number }
  /** The repeat-request policy attached the request to an open lead first. */
  | { outcome: "repeat_first"; leadId: number }
  /** The chosen pipeline is gone: the lead goes straight into a pipeline. */
  | { outcome: "pipeline_missing"; pipelineId: number }
  /** The lead is linked to an amoCRM lead already (accepted, or never an entry): it is updated. */
  | { outcome: "linked" };
