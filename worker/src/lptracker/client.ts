// Typed LPTracker calls for one connection, all through its gate. Lead creation always sends
// `callback: false`: with it on, LPTracker may dial a real phone.
import type { Env } from "../env";
import type { z } from "zod";
import { lptGate, type LptRequest, type LptResult } from "./gate";
import {
  lptCallbackUrlsAnswerSchema,
  lptContactFieldsAnswerSchema,
  lptCreatedLeadSchema,
  lptCustomsAnswerSchema,
  lptFunnelAnswerSchema,
  lptIdsAnswerSchema,
  lptContactLeadsAnswerSchema,
  lptLeadListAnswerSchema,
  type LptLeadSummary,
  lptProjectsAnswerSchema,
  lptStaffAnswerSchema,
  type LptCallbackUrl,
  type LptContactField,
  type LptCustomField,
  type LptProject,
  type LptStage,
} from "../contracts/lptracker";

export type { LptCallbackUrl, LptContactField, LptCustomField, LptProject, LptStage };

export class LptError extends Error {
  constructor(
    readonly kind: "not_connected" | "credentials" | "transient" | "api",
    readonly code: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "LptError";
  }
  get transient(): boolean {
    return this.kind === "transient";
  }
}

export class LptClient {
  constructor(
    private env: Env,
    readonly accountId: number,
  ) {}

  async call(req: LptRequest): Promise<unknown> {
    const r = (await lptGate(this.env, this.accountId).request(this.accountId, req)) as LptResult;
    if (!r.ok) throw new LptError(r.error, r.code, r.detail, r.retryAfterMs);
    return r.result;
  }

  /** A call whose answer is checked against `schema`: another shape is an error naming the path, not a crash later. */
  async read<S extends z.ZodType>(schema: S, req: LptRequest): Promise<z.output<S>> {
    const parsed = schema.safeParse(await this.call(req));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new LptError("api", 502, `LPTracker answered ${req.method} ${req.path} in an unexpected shape (${issue.path.join(".") || "body"}: ${issue.message})`);
  }

  projects(): Promise<LptProject[]> {
    return this.read(lptProjectsAnswerSchema, { method: "GET", path: "/projects" });
  }

  funnel(projectId: number): Promise<LptStage[]> {
    return this.read(lptFunnelAnswerSchema, { method: "GET", path: `/project/${projectId}/funnel` });
  }

  customs(projectId: number): Promise<LptCustomField[]> {
    return this.read(lptCustomsAnswerSchema, { method: "GET", path: `/project/${projectId}/customs` });
  }

  contactFields(projectId: number): Promise<LptContactField[]> {
    return this.read(lptContactFieldsAnswerSchema, { method: "GET", path: `/project/${projectId}/fields` });
  }

  callbackUrls(projectId: number): Promise<LptCallbackUrl[]> {
    return this.read(lptCallbackUrlsAnswerSchema, { method: "GET", path: `/project/${projectId}/callback-url` });
  }

  /** Adds our webhook without touching the customer's others (GET first, PUT only when missing). */
  async ensureCallbackUrl(projectId: number, url: string): Promise<"exists" | "added"> {
    const before = await this.callbackUrls(projectId);
    if (before.some((h) => h.url === url)) return "exists";
    await this.call({ method: "PUT", path: `/project/${projectId}/callback-url`, body: { url, name: "amoCRM sync" } });
    const after = await this.callbackUrls(projectId);
    if (!after.some((h) => h.url === url)) throw new LptError("api", 400, "LPTracker did not keep the webhook URL after saving it");
    return "added";
  }

  staff(): Promise<{ id: number; name: string }[]> {
    return this.read(lptStaffAnswerSchema, { method: "GET", path: "/staff" });
  }

  lead(leadId: number | string): Promise<unknown> {
    return this.call({ method: "GET", path: `/lead/${leadId}` });
  }

  leadList(projectId: number, query: LptRequest["query"]): Promise<unknown[]> {
    return this.read(lptLeadListAnswerSchema, { method: "GET", path: `/lead/${projectId}/list`, query });
  }

  searchContacts(projectId: number, by: { phone?: string; email?: string }): Promise<{ id: number }[]> {
    return this.read(lptIdsAnswerSchema, { method: "GET", path: "/contact/search", query: { project_id: projectId, ...by } });
  }

  contactLeads(contactId: number): Promise<LptLeadSummary[]> {
    return this.read(lptContactLeadsAnswerSchema, { method: "GET", path: `/contact/${contactId}/leads` });
  }

  createLead(body: Record<string, unknown>): Promise<{ id: number; contact_id?: number | null }> {
    return this.read(lptCreatedLeadSchema, { method: "POST", path: "/lead", body: { ...body, callback: false } });
  }

  updateLead(leadId: number | string, body: Record<string, unknown>): Promise<unknown> {
    return this.call({ method: "PUT", path: `/lead/${leadId}`, body });
  }

  setLeadStage(leadId: number | string, stageId: number): Promise<unknown> {
    return this.call({ method: "PUT", path: `/lead/${leadId}/funnel`, body: { funnel: stageId } });
  }

  comment(leadId: number | string, text: string): Promise<unknown> {
    return this.call({ method: "POST", path: `/lead/${leadId}/comment`, body: { text } });
  }
}
