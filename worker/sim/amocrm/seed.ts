// Builds a fresh account the way a new amoCRM account looks: users, two pipelines with the system
// statuses 142/143, task types, and contact/lead custom fields whose ids are random, never sequential.
import { type Account, type Store } from "./store";
import type { CreateAccountInput, CustomField, EntityType, FieldType, Pipeline, SimAccess, SimEntityRights, SimUser, SimUserGroup, SimUserInput, Status, TaskType } from "./types";

export const WON = 142;
export const LOST = 143;

interface FieldSpec {
  name: string;
  type: FieldType;
  code?: string;
  enums?: string[];
  predefined?: boolean;
}

const CONTACT_FIELDS: FieldSpec[] = [
  { name: "Должность", type: "text", code: "POSITION", predefined: true },
  { name: "Телефон", type: "multitext", code: "PHONE", enums: ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"], predefined: true },
  { name: "Email", type: "multitext", code: "EMAIL", enums: ["WORK", "PRIV", "OTHER"], predefined: true },
  { name: "Город", type: "text" },
  { name: "Источник контакта", type: "select", enums: ["Сайт", "Звонок", "Рекомендация", "Выставка"] },
  { name: "Интересы", type: "multiselect", enums: ["Доставка", "Монтаж", "Сервис"] },
  { name: "Дата первого обращения", type: "date" },
  { name: "Возраст", type: "numeric" },
  { name: "Согласие на рассылку", type: "checkbox" },
];

const LEAD_FIELDS: FieldSpec[] = [
  { name: "utm_source", type: "tracking_data", code: "UTM_SOURCE", predefined: true },
  { name: "utm_medium", type: "tracking_data", code: "UTM_MEDIUM", predefined: true },
  { name: "utm_campaign", type: "tracking_data", code: "UTM_CAMPAIGN", predefined: true },
  { name: "utm_content", type: "tracking_data", code: "UTM_CONTENT", predefined: true },
  { name: "utm_term", type: "tracking_data", code: "UTM_TERM", predefined: true },
  { name: "Источник сделки", type: "select", enums: ["LPTracker", "Сайт", "Звонок", "Партнёр"] },
  { name: "Продукт", type: "multiselect", enums: ["Окна", "Двери", "Балконы"] },
  { name: "Дата визита", type: "date" },
  { name: "Бюджет клиента", type: "numeric" },
  { name: "Комментарий", type: "textarea" },
  { name: "Ссылка на запись", type: "url" },
  { name: "Повторное обращение", type: "checkbox" },
  { name: "ID в LPTracker", type: "text" },
];

const PIPELINES: Array<{ name: string; statuses: string[] }> = [
  { name: "Воронка", statuses: ["Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора"] },
  { name: "Повторные продажи", statuses: ["Новая заявка", "В работе"] },
];

const DEFAULT_USERS: NonNullable<CreateAccountInput["users"]> = [
  { name: "Администратор", is_admin: true },
  { name: "Анна Менеджер", is_admin: false },
  { name: "Борис Менеджер", is_admin: false },
];

/** amoCRM's main user group: every account has it, with id 0. */
export const MAIN_GROUP: SimUserGroup = { id: 0, name: "Отдел продаж" };

const ACCESS = new Set(["A", "G", "M", "D"]);
const RANK: Record<SimAccess, number> = { A: 0, G: 1, M: 2, D: 3 };

/**
 * Rights as amoCRM stores them: what a test leaves out takes the default, `add` is A or D, and an
 * action is never broader than what it depends on (edit and export ⊆ view, delete ⊆ view and edit).
 */
export function completeRights(given: Partial<SimEntityRights> | undefined, fallback: SimAccess): SimEntityRights {
  const pick = (v: unknown): SimAccess => (typeof v === "string" && ACCESS.has(v) ? (v as SimAccess) : fallback);
  const narrower = (a: SimAccess, ...deps: SimAccess[]): SimAccess => deps.reduce((acc, d) => (RANK[d] > RANK[acc] ? d : acc), a);
  const view = pick(given?.view);
  const edit = narrower(pick(given?.edit), view);
  const add = (given?.add ?? (fallback === "D" ? "D" : "A")) === "A" ? "A" : "D";
  return { view, edit, add, delete: narrower(pick(given?.delete), view, edit), export: narrower(pick(given?.export), view) };
}

export function buildUser(store: Store, spec: SimUserInput, email: string): SimUser {
  const isAdmin = spec.is_admin ?? false;
  // New amoCRM users see everything unless limited; our default managers see only their own records,
  // so that the sandbox shows rights at work.
  const base: SimAccess = isAdmin ? "A" : "M";
  return {
    id: store.randomId(1_000_000, 99_999_999),
    name: spec.name,
    email: spec.email ?? email,
    is_admin: isAdmin,
    group_id: spec.group_id ?? MAIN_GROUP.id,
    role_id: null,
    rights: {
      leads: completeRights(spec.rights?.leads, base),
      contacts: completeRights(spec.rights?.contacts, base),
      companies: completeRights(spec.rights?.companies, base),
      status_rights: (spec.rights?.status_rights ?? []).map((r) => ({ ...r, entity_type: "leads" as const })),
    },
  };
}

function buildFields(store: Store, entity: EntityType, specs: FieldSpec[]): CustomField[] {
  return specs.map((spec, i) => ({
    id: store.randomId(100_000, 9_999_999),
    name: spec.name,
    type: spec.type,
    code: spec.code ?? null,
    sort: (i + 1) * 10,
    entity_type: entity,
    enums: spec.enums
      ? spec.enums.map((value, j) => ({ id: store.randomId(100_000, 9_999_999), value, sort: (j + 1) * 2 }))
      : null,
    is_predefined: spec.predefined ?? false,
    is_deletable: !spec.predefined,
  }));
}

function buildPipelines(store: Store): Pipeline[] {
  return PIPELINES.map((spec, i) => {
    const id = store.randomId(1_000_000, 9_999_999);
    const status = (sid: number, name: string, sort: number, type: 0 | 1, color: string): Status => ({
      id: sid,
      name,
      sort,
      is_editable: sid !== WON && sid !== LOST && type === 0,
      pipeline_id: id,
      color,
      type,
    });
    const statuses: Status[] = [
      status(store.randomId(10_000_000, 99_999_999), "Неразобранное", 10, 1, "#c1c1c1"),
      ...spec.statuses.map((name, j) => status(store.randomId(10_000_000, 99_999_999), name, (j + 2) * 10, 0, "#99ccff")),
      status(WON, "Успешно реализовано", 10000, 0, "#CCFF66"),
      status(LOST, "Закрыто и не реализовано", 11000, 0, "#D5D8DB"),
    ];
    return { id, name: spec.name, sort: (i + 1) * 100, is_main: i === 0, statuses };
  });
}

function buildTaskTypes(store: Store): TaskType[] {
  return [
    { id: 1, name: "Связаться", code: "FOLLOW_UP" },
    { id: 2, name: "Встреча", code: "MEETING" },
    { id: store.randomId(1_000_000, 9_999_999), name: "Перезвонить", code: null },
  ];
}

export const SUBDOMAIN_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Why a new account cannot have this id or subdomain, or null when it can. */
export function accountConflict(store: Store, input: CreateAccountInput): string | null {
  if (input.id !== undefined && (!Number.isInteger(input.id) || input.id <= 0 || store.accounts.has(input.id))) {
    return `account id ${input.id} is taken or invalid`;
  }
  if (input.subdomain !== undefined && (!SUBDOMAIN_PATTERN.test(input.subdomain) || store.bySubdomain(input.subdomain))) {
    return `subdomain ${input.subdomain} is taken or invalid`;
  }
  return null;
}

export function seedAccount(store: Store, input: CreateAccountInput): Account {
  const id = input.id ?? store.nextId("account");
  const subdomain = input.subdomain ?? `sim${id}`;
  const specs = input.users?.length ? input.users : DEFAULT_USERS;
  // amoCRM always has an admin (the account owner).
  const withAdmin = specs.some((u) => u.is_admin) ? specs : specs.map((u, i) => (i === 0 ? { ...u, is_admin: true } : u));
  const users: SimUser[] = withAdmin.map((u, i) => buildUser(store, u, `user${i + 1}@${subdomain}.example.com`));
  const groups = [MAIN_GROUP, ...(input.groups ?? []).filter((g) => g.id !== MAIN_GROUP.id)];
  return store.newAccount({
    id,
    name: input.name ?? `Sim account ${subdomain}`,
    subdomain,
    previousDomains: [],
    createdAt: store.nowSec(),
    users,
    groups,
    pipelines: buildPipelines(store),
    fields: { contacts: buildFields(store, "contacts", CONTACT_FIELDS), leads: buildFields(store, "leads", LEAD_FIELDS) },
    taskTypes: buildTaskTypes(store),
  });
}

export function adminOf(account: Account): SimUser {
  return account.users.find((u) => u.is_admin) ?? account.users[0]!;
}

export function mainPipeline(account: Account): Pipeline {
  return account.pipelines.find((p) => p.is_main) ?? account.pipelines[0]!;
}
