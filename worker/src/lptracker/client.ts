// Typed LPTracker calls for one connection, all through its gate. Lead creation always sends
// `callback: false`: with it on, LPTracker may dial a real phone.
import type { Env } from "../env";
import { lptGate, type LptRequest, type LptResult } from "./gate";

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

export interface LptProject {
  id: number;
  name: string;
  domain?: string;
}
export interface LptStage {
  id: number;
  name: string;
  in_leads?: boolean;
  in_deals?: boolean;
}
export interface LptCustomField {
  id: number;
  name: string;
  type: string;
  is_multi_select?: boolean;
  categories?: { id?: number; name?: string; category?: string }[];
}
export interface LptContactField {
  id: number;
  name: string;
  type: string;
}
export interface LptCallbackUrl {
  id: number;
  url: string;
  name?: string;
}

export class LptClient {
  constructor(
    private env: Env,
    readonly accountId: number,
  ) {}

  async call<T = unknown>(req: LptRequest): Promise<T> {
    const r = (await lptGate(this.env, this.accountId).request(this.accountId, req)) as LptResult;
    if (!r.ok) throw new LptError(r.error, r.code, r.detail, r.retryAfterMs);
    return r.result as T;
  }

  projects(): Promise<LptProject[]> {
    return this.call<LptProject[]>({ method: "GET", path: "/projects" }).then((r) => r ?? []);
  }

  funnel(projectId: number): Promise<LptStage[]> {
    return this.call<LptStage[] | { funnels?: LptStage[]; stages?: LptStage[]; items?: LptStage[] }>({ method: "GET", path: `/project/${projectId}/funnel` }).then((r) =>
      Array.isArray(r) ? r : (r?.funnels ?? r?.stages ?? r?.items ?? []),
    );
  }

  customs(projectId: number): Promise<LptCustomField[]> {
    return this.call<LptCustomField[]>({ method: "GET", path: `/project/${projectId}/customs` }).then((r) => r ?? []);
  }

  contactFields(projectId: number): Promise<LptContactField[]> {
    return this.call<LptContactField[]>({ method: "GET", path: `/project/${projectId}/fields` }).then((r) => r ?? []);
  }

  callbackUrls(projectId: number): Promise<LptCallbackUrl[]> {
    return this.call<LptCallbackUrl[]>({ method: "GET", path: `/project/${projectId}/callback-url` }).then((r) => r ?? []);
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
    return this.call<{ id: number; name: string }[]>({ method: "GET", path: "/staff" }).then((r) => (Array.isArray(r) ? r : []));
  }

  lead(leadId: number | string): Promise<unknown> {
    return this.call({ method: "GET", path: `/lead/${leadId}` });
  }

  leadList(projectId: number, query: LptRequest["query"]): Promise<unknown[]> {
    return this.call<unknown[]>({ method: "GET", path: `/lead/${projectId}/list`, query }).then((r) => (Array.isArray(r) ? r : []));
  }

  searchContacts(projectId: number, by: { phone?: string; email?: string }): Promise<{ id: number }[]> {
    return this.call<{ id: number }[]>({ method: "GET", path: "/contact/search", query: { project_id: projectId, ...by } }).then((r) => (Array.isArray(r) ? r : []));
  }

  contactLeads(contactId: number): Promise<{ id: number }[]> {
    return this.call<{ id: number }[]>({ method: "GET", path: `/contact/${contactId}/leads` }).then((r) => (Array.isArray(r) ? r : []));
  }

  createLead(body: Record<string, unknown>): Promise<{ id: number; contact_id?: number }> {
    return this.call({ method: "POST", path: "/lead", body: { ...body, callback: false } });
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
