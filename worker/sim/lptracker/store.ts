// In-memory state of the simulator: users (tenants) with their projects, contacts, leads, tokens,
// counters, fault injector and outbox. Ids come from one counter, so they are unique sim-wide.
import { FaultInjector } from "../shared/faults";
import { Outbox } from "../shared/outbox";
import { RateWindow } from "../shared/rate-window";
import type { ResolvedOptions } from "./options";
import type {
  CallbackHook,
  ContactField,
  CustomField,
  LpTrackerBehaviour,
  SimContact,
  SimDial,
  SimLead,
  Stage,
  Staff,
} from "./types";

export interface ProjectRec {
  id: number;
  name: string;
  page: string;
  domain: string;
  stages: Stage[];
  customs: CustomField[];
  fields: ContactField[];
  callbackUrls: CallbackHook[];
  projectCallbackUrls: CallbackHook[];
}

/** A contact as the simulator keeps it: SimContact's fields, but field values by field id. */
export interface ContactRec extends Omit<SimContact, "fields"> {
  fields: Map<number, unknown>;
}

/** A lead as the simulator keeps it: SimLead's fields, but times in ms and custom values by field id. */
export interface LeadRec extends Omit<SimLead, "stageName" | "custom" | "leadDate"> {
  custom: Map<number, unknown>;
  leadDate: number;
}

export interface TokenRec {
  token: string;
  login: string;
  service: string;
  lastUsedAt: number;
}

export interface UserRec {
  login: string;
  password: string;
  overrides: Partial<LpTrackerBehaviour>;
  projects: Map<number, ProjectRec>;
  staff: Staff[];
  contacts: Map<number, ContactRec>;
  leads: Map<number, LeadRec>;
  dials: SimDial[];
  loginCount: number;
  failedLoginCount: number;
  requests: Map<string, number>;
  rateLimited: number;
  served503: number;
  rate: RateWindow;
  faults: FaultInjector;
  outbox: Outbox;
  dropNext: number;
  dropped: number;
  /** Flip-flops behind the "mixed" options, kept per user so parallel tests stay deterministic. */
  stageShapeTurn: number;
  encodingTurn: number;
}

export class Store {
  private lastId = 100_000;
  users = new Map<string, UserRec>();
  tokens = new Map<string, TokenRec>();
  /** Any entity id → its tenant; ids never repeat, so one map serves every entity kind. */
  owners = new Map<number, UserRec>();
  /** Deliveries still in flight in "http" mode. */
  inflight = new Set<Promise<unknown>>();

  constructor(public options: ResolvedOptions) {}

  now(): number {
    return this.options.now();
  }

  nextId(): number {
    return ++this.lastId;
  }

  behaviour(user: UserRec): LpTrackerBehaviour {
    return { ...this.options.behaviour, ...user.overrides };
  }

  /** Re-applies a user's effective options to the helpers that hold a copy of them. */
  syncHelpers(user: UserRec): void {
    const b = this.behaviour(user);
    user.rate.limitPerSecond = b.rateLimitPerSecond;
    user.outbox.mode = b.webhookMode;
  }

  addUser(login: string, password: string, overrides: Partial<LpTrackerBehaviour>): UserRec {
    const user: UserRec = {
      login,
      password,
      overrides,
      projects: new Map(),
      staff: [],
      contacts: new Map(),
      leads: new Map(),
      dials: [],
      loginCount: 0,
      failedLoginCount: 0,
      requests: new Map(),
      rateLimited: 0,
      served503: 0,
      rate: new RateWindow(3, () => this.now()),
      faults: new FaultInjector(),
      outbox: new Outbox("outbox"),
      dropNext: 0,
      dropped: 0,
      stageShapeTurn: 0,
      encodingTurn: 0,
    };
    this.syncHelpers(user);
    this.users.set(login, user);
    return user;
  }

  own(user: UserRec, id: number): void {
    this.owners.set(id, user);
  }

  project(user: UserRec, id: number): ProjectRec | undefined {
    return this.owners.get(id) === user ? user.projects.get(id) : undefined;
  }

  contact(user: UserRec, id: number): ContactRec | undefined {
    return this.owners.get(id) === user ? user.contacts.get(id) : undefined;
  }

  lead(user: UserRec, id: number): LeadRec | undefined {
    const lead = this.owners.get(id) === user ? user.leads.get(id) : undefined;
    return lead && !lead.deleted ? lead : undefined;
  }

  /** Tenant lookups for the control API, which names entities without a token. */
  ownerOf(id: number): UserRec | undefined {
    return this.owners.get(id);
  }

  track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  reset(): void {
    this.users.clear();
    this.tokens.clear();
    this.owners.clear();
  }
}
