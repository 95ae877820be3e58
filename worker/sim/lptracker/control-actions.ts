// What the control API can do, as plain methods: seed users, make leads appear and change as if
// people worked in LPTracker, (re)send webhooks, and steer tokens, faults, drops and options per user.
import { revokeTokens } from "./auth";
import { makeCalls } from "./calls";
import { createContact, searchContacts } from "./contacts";
import { applyLeadPatch, createLeadRec, type LeadPatch } from "./lead-ops";
import { pickBehaviour } from "./options";
import { seedUser } from "./seed";
import { dumpUser, toSimLead, toSimProject } from "./state-dump";
import type { LeadRec, Store, UserRec } from "./store";
import type {
  CreatedUser,
  CreateLeadBody,
  CreateUserBody,
  DeleteLeadBody,
  FaultPlan,
  LpTrackerBehaviour,
  ResendWebhookBody,
  SimLeadResult,
  SimOutgoingHook,
  SimUserState,
  UpdateLeadBody,
  WebhookSendResult,
} from "./types";
import { emitLeadEvent, staffAuthor } from "./webhooks";

export class ControlError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

const FAULT_KINDS = new Set(["429", "500", "502", "503", "timeout", "reset"]);
const ACTIONS = new Set(["create", "update", "delete"]);

export class SimActions {
  constructor(protected store: Store) {}

  get options(): LpTrackerBehaviour {
    return { ...this.store.options.behaviour };
  }

  userCount(): number {
    return this.store.users.size;
  }

  createUser(body: CreateUserBody = {}): CreatedUser {
    if (body.login !== undefined && this.store.users.has(body.login)) throw new ControlError(409, `User ${body.login} exists`);
    const user = seedUser(this.store, { ...body, overrides: pickBehaviour(body.options) });
    return {
      login: user.login,
      password: user.password,
      projects: [...user.projects.values()].map(toSimProject),
      staff: user.staff.map((s) => ({ ...s })),
    };
  }

  /** A lead as if a visitor filled in a form: the contact is reused when the phone is already known. */
  createLead(projectId: number, body: CreateLeadBody = {}): SimLeadResult {
    const user = this.store.ownerOf(projectId);
    const project = user?.projects.get(projectId);
    if (!user || !project) throw new ControlError(404, `Project ${projectId} not found`);
    const found = body.phone
      ? searchContacts(user, project.id, body.phone)
      : body.email
        ? searchContacts(user, project.id, undefined, body.email)
        : [];
    const details = [
      ...(body.phone ? [{ type: "phone", data: body.phone }] : []),
      ...(body.email ? [{ type: "email", data: body.email }] : []),
    ];
    if (!details.length) details.push({ type: "phone", data: `+7999${String(this.store.nextId()).slice(-7).padStart(7, "0")}` });
    const contact = found[0] ?? createContact(this.store, user, project, { name: body.contactName ?? "Посетитель сайта", details });
    const createdContact = !found[0];
    const manager = user.staff.find((s) => s.type === "manager") ?? user.staff[0]!;
    const view = Object.fromEntries(
      Object.entries({ ...(body.view ?? {}), source: body.source, campaign: body.campaign, keyword: body.keyword }).filter(([, v]) => v !== undefined),
    );
    const patch: LeadPatch = {
      name: body.name ?? `Заявка с сайта ${project.domain}`,
      stageId: body.stageId,
      ownerId: body.ownerId ?? manager.id,
      view,
      custom: body.custom,
    };
    let lead: LeadRec;
    try {
      lead = createLeadRec(this.store, user, project, contact, patch, false);
    } catch (err) {
      if (createdContact) user.contacts.delete(contact.id);
      throw err;
    }
    lead.calls = makeCalls(this.store, lead, body.calls);
    const webhooks = body.webhook === false ? none() : this.emit(user, lead, "create", body.times);
    return { ...toSimLead(this.store, user, lead), webhooks };
  }

  updateLead(leadId: number, body: UpdateLeadBody = {}): SimLeadResult {
    const { user, lead } = this.leadOf(leadId);
    const project = user.projects.get(lead.projectId)!;
    const patch: LeadPatch = { stageId: body.stageId, ownerId: body.ownerId, name: body.name, custom: body.custom };
    patch.addCalls = makeCalls(this.store, lead, body.addCalls);
    const fields = applyLeadPatch(this.store, user, project, lead, patch);
    const webhooks = body.webhook === false || !fields.length ? none() : this.emit(user, lead, "update", body.times, fields);
    return { ...toSimLead(this.store, user, lead), webhooks };
  }

  deleteLead(leadId: number, body: DeleteLeadBody = {}): SimLeadResult {
    const { user, lead } = this.leadOf(leadId);
    lead.deleted = true;
    lead.updatedAt = this.store.now();
    const webhooks = body.webhook === false ? none() : this.emit(user, lead, "delete", body.times);
    return { ...toSimLead(this.store, user, lead), webhooks };
  }

  /** Sends the lead as it is now; works for deleted leads too, so a late `delete` can be replayed. */
  sendWebhook(leadId: number, body: ResendWebhookBody & { fields?: string[] }): WebhookSendResult {
    if (!ACTIONS.has(body?.action)) throw new ControlError(400, "action must be create, update or delete");
    const { user, lead } = this.leadOf(leadId, true);
    return this.emit(user, lead, body.action, body.times, body.fields ?? (body.action === "update" ? ["stage.id"] : []));
  }

  revokeTokens(login: string): { revoked: number } {
    this.user(login);
    return { revoked: revokeTokens(this.store, login) };
  }

  /** Pretends the user's tokens were last used `seconds` earlier, to reach the idle expiry. */
  ageTokens(login: string, seconds: number): { aged: number } {
    this.user(login);
    let aged = 0;
    for (const t of this.store.tokens.values()) {
      if (t.login !== login) continue;
      t.lastUsedAt -= seconds * 1000;
      aged++;
    }
    return { aged };
  }

  setFaults(login: string, plan: FaultPlan | null): { plan: FaultPlan | null } {
    const user = this.user(login);
    if (plan !== null) {
      if (typeof plan !== "object" || !Array.isArray(plan.kinds) || plan.kinds.some((k) => !FAULT_KINDS.has(k))) {
        throw new ControlError(400, "Invalid fault plan");
      }
      plan = { ...plan, rate: plan.rate ?? 0, seed: plan.seed ?? 1 };
    }
    user.faults.configure(plan);
    return { plan };
  }

  dropWebhooks(login: string, count: number): { dropNext: number } {
    const user = this.user(login);
    user.dropNext = Math.max(0, Math.floor(Number(count) || 0));
    return { dropNext: user.dropNext };
  }

  setPassword(login: string, password: string): { ok: true } {
    if (typeof password !== "string" || !password) throw new ControlError(400, "password is required");
    this.user(login).password = password;
    return { ok: true };
  }

  setUserOptions(login: string, options: Partial<LpTrackerBehaviour>): { options: LpTrackerBehaviour } {
    const user = this.user(login);
    user.overrides = { ...user.overrides, ...pickBehaviour(options) };
    this.store.syncHelpers(user);
    return { options: this.store.behaviour(user) };
  }

  state(login: string): SimUserState {
    return dumpUser(this.store, this.user(login));
  }

  outbox(query: { take?: boolean; login?: string } = {}): SimOutgoingHook[] {
    const users = query.login === undefined ? [...this.store.users.values()] : [this.user(query.login)];
    const hooks = users.flatMap((u) =>
      (query.take ? u.outbox.take() : u.outbox.pending.map((h) => ({ ...h }))).map((h) => ({ ...h, login: u.login })),
    );
    return hooks.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Waits for webhooks still being POSTed in "http" mode. */
  async settled(): Promise<void> {
    while (this.store.inflight.size) await Promise.allSettled([...this.store.inflight]);
  }

  reset(): void {
    this.store.reset();
  }

  private emit(user: UserRec, lead: LeadRec, action: "create" | "update" | "delete", times?: number, fields: string[] = []) {
    return emitLeadEvent(this.store, user, lead, action, { author: staffAuthor(user, lead.ownerId), times, fields });
  }

  private user(login: string): UserRec {
    const user = this.store.users.get(login);
    if (!user) throw new ControlError(404, `User ${login} not found`);
    return user;
  }

  private leadOf(leadId: number, includeDeleted = false): { user: UserRec; lead: LeadRec } {
    const user = this.store.ownerOf(leadId);
    const lead = user?.leads.get(leadId);
    if (!user || !lead || (lead.deleted && !includeDeleted)) throw new ControlError(404, `Lead ${leadId} not found`);
    return { user, lead };
  }
}

const none = (): WebhookSendResult => ({ queued: 0, dropped: 0 });
