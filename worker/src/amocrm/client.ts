// Typed amoCRM API calls for one account, all through its gate (tokens, budget, retries).
// HAL lists are walked page by page; an empty list (HTTP 204) is an empty array.
import type { Env } from "../env";
import { amoGate, type AmoRequest, type AmoResult } from "./gate";
import type { LookupResult } from "./contact-index";
import type { z } from "zod";
import { amoComplexAnswerSchema, amoErrorBodySchema, halPageSchema, shapeProblem, type AmoContact } from "../contracts/amocrm";

export type AmoErrorKind = "no_tokens" | "reauth_required" | "blocked" | "transient" | "http";

export class AmoError extends Error {
  constructor(
    readonly kind: AmoErrorKind,
    message: string,
    readonly status?: number,
    readonly body?: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "AmoError";
  }

  /** Worth retrying later (as opposed to a validation error or a revoked install). */
  get transient(): boolean {
    return this.kind === "transient" || this.kind === "blocked" || (this.kind === "http" && (this.status ?? 0) >= 500);
  }
}

/** amoCRM answered, but not in the shape we read: the message names the request and the field. */
export class AmoShapeError extends AmoError {
  constructor(message: string, body: unknown) {
    super("http", message, undefined, body);
    this.name = "AmoShapeError";
  }
}

function describeHttpError(status: number, body: unknown): string {
  const parsed = amoErrorBodySchema.safeParse(body);
  const b = parsed.success ? parsed.data : {};
  const validation = b["validation-errors"]?.flatMap((v) => v.errors ?? []).map((e) => `${e.path ?? ""} ${e.detail ?? ""}`.trim());
  const parts = [b.title, b.detail, validation?.length ? validation.join("; ") : undefined].filter(Boolean);
  return `amoCRM answered ${status}${parts.length ? `: ${parts.join(" — ")}` : ""}`;
}

export class AmoClient {
  constructor(
    private env: Env,
    readonly accountId: number,
  ) {}

  /** One request; the body is whatever amoCRM sent (`read`/`send` check it against a schema). */
  async call(req: AmoRequest): Promise<{ status: number; body: unknown }> {
    return this.unwrap((await amoGate(this.env, this.accountId).request(req)) as AmoResult);
  }

  private unwrap(result: AmoResult): { status: number; body: unknown } {
    if (!result.ok) {
      if (result.error === "shape") throw new AmoShapeError(result.detail, result.body);
      throw new AmoError(result.error, result.detail, undefined, undefined, result.retryAfterMs);
    }
    if (result.status >= 400) throw new AmoError("http", describeHttpError(result.status, result.body), result.status, result.body);
    return { status: result.status, body: result.body };
  }

  /**
   * A person's contact by phone (first) or e-mail, confirmed on the PHONE/EMAIL field; null when
   * amoCRM has none. `notBefore`: when the lead reached us (the index must be fresh since then).
   */
  async findContact(phones: string[], emails: string[], notBefore: number): Promise<{ contact: AmoContact; by: "phone" | "email" } | null> {
    const r = (await amoGate(this.env, this.accountId).findContact({ phones, emails, notBefore })) as LookupResult;
    if (!r.ok) this.unwrap(r.failure);
    return r.ok ? r.found : null;
  }

  /** One lead through `/api/v4/leads/complex`, sent together with other jobs' leads. */
  async createComplex(body: unknown, newContact: { phones: string[]; emails: string[] }): Promise<{ id: number; contact_id: number | null }> {
    const r = this.unwrap((await amoGate(this.env, this.accountId).createComplex({ body, ...newContact })) as AmoResult);
    const row = this.check(amoComplexAnswerSchema, r.body, "POST /api/v4/leads/complex")[0];
    if (!row?.id) throw new Error("amoCRM did not return the new lead's id");
    return { id: row.id, contact_id: row.contact_id ?? null };
  }

  /** A lead (with its contacts) as amoCRM has it now, checked against `schema` (null when it is gone); read together with other jobs' reads. */
  async readLead<S extends z.ZodType>(schema: S, id: number): Promise<z.output<S> | null> {
    return this.readEntity(schema, "leads", id);
  }

  /** A contact as amoCRM has it now, checked against `schema` (null when it is gone); read together with other jobs' reads. */
  async readContact<S extends z.ZodType>(schema: S, id: number): Promise<z.output<S> | null> {
    return this.readEntity(schema, "contacts", id);
  }

  private async readEntity<S extends z.ZodType>(schema: S, kind: "leads" | "contacts", id: number): Promise<z.output<S> | null> {
    const r = (await amoGate(this.env, this.accountId).readEntity(kind, id)) as AmoResult;
    if (r.ok && r.status === 404) return null;
    return this.check(schema, this.unwrap(r).body, `GET /api/v4/${kind} (${kind} ${id})`);
  }

  /** Updates a lead or a contact in one `PATCH /api/v4/{kind}` shared with other jobs' updates. */
  async patchBatched(kind: "leads" | "contacts", body: { id: number }): Promise<void> {
    this.unwrap((await amoGate(this.env, this.accountId).patchEntity(kind, body)) as AmoResult);
  }

  /** A GET whose body the caller does not read as a shape (null on 204). */
  async get(path: string, query?: AmoRequest["query"]): Promise<unknown> {
    const r = await this.call({ method: "GET", path, query });
    return r.status === 204 ? null : r.body;
  }

  /** A write whose answer is not read; use `send` to read it. */
  async post(path: string, body: unknown): Promise<unknown> {
    return (await this.call({ method: "POST", path, body })).body;
  }

  async patch(path: string, body: unknown): Promise<unknown> {
    return (await this.call({ method: "PATCH", path, body })).body;
  }

  async delete(path: string, body?: unknown): Promise<unknown> {
    const r = await this.call({ method: "DELETE", path, body });
    return r.status === 204 ? null : r.body;
  }

  /** A GET whose answer is checked against `schema` (null on 204): another shape is an error naming the path, not a crash later. */
  async read<S extends z.ZodType>(schema: S, path: string, query?: AmoRequest["query"]): Promise<z.output<S> | null> {
    const body = await this.get(path, query);
    return body === null ? null : this.check(schema, body, `GET ${path}`);
  }

  /** A write whose answer is checked against `schema`; an empty answer (204) is checked as null. */
  async send<S extends z.ZodType>(schema: S, method: "POST" | "PATCH" | "DELETE", path: string, body: unknown): Promise<z.output<S>> {
    const r = await this.call({ method, path, body });
    return this.check(schema, r.status === 204 ? null : r.body, `${method} ${path}`);
  }

  private check<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new AmoShapeError(shapeProblem(what, parsed.error), body);
  }

  /** Walks every page of a HAL list (250 per page unless a smaller limit is given), each item checked against `item`. */
  async list<S extends z.ZodType>(path: string, entity: string, item: S, query: AmoRequest["query"] = {}, maxPages = 100): Promise<z.output<S>[]> {
    const out: z.output<S>[] = [];
    const limit = Number(query.limit ?? 250);
    const pageSchema = halPageSchema(entity, item);
    for (let page = 1; page <= maxPages; page++) {
      const body = await this.read(pageSchema, path, { ...query, page, limit });
      if (!body) break;
      const items = body._embedded?.[entity] ?? [];
      out.push(...items);
      const hasNext = body._links?.next || (body._page_count !== undefined && page < body._page_count);
      if (!hasNext || items.length < limit) break;
    }
    return out;
  }
}

export function amoClient(env: Env, accountId: number): AmoClient {
  return new AmoClient(env, accountId);
}
