// Seeds a new tenant: N projects, each with the usual six-stage funnel, lead custom fields,
// contact fields, plus an account staff of three (LPTracker staff is per account, not per project).
import { unix } from "./dates";
import type { ProjectRec, Store, UserRec } from "./store";
import type { Category, ContactField, CustomField, CustomType, LpTrackerBehaviour, Stage, Staff } from "./types";

const STAGES: [string, boolean, boolean][] = [
  // [name, in_leads, in_deals]
  ["Новый", true, false],
  ["В работе", true, false],
  ["Квалифицирован", true, false],
  ["Встреча", false, true],
  ["Сделка", false, true],
  ["Отказ", true, true],
];

const CUSTOMS: { name: string; type: CustomType; multi?: boolean; options?: string[] }[] = [
  { name: "Источник обращения", type: "cats", options: ["Сайт", "Звонок", "Партнёр"] },
  { name: "Интересы", type: "cats", multi: true, options: ["Продукт A", "Продукт B", "Консультация"] },
  { name: "Дата встречи", type: "date" },
  { name: "amoCRM ID", type: "text" },
  { name: "Бюджет", type: "number" },
];

const CONTACT_FIELDS: [string, ContactField["type"]][] = [
  ["Город", "string"],
  ["Заметки", "text"],
  ["День рождения", "date"],
  ["Возраст", "number"],
];

const STAFF: [string, string, Staff["type"]][] = [
  ["Ирина Смирнова", "Руководитель", "main"],
  ["Павел Иванов", "Менеджер", "manager"],
  ["Ольга Кузнецова", "Менеджер", "manager"],
];

export interface SeedInput {
  login?: string;
  password?: string;
  projects?: number;
  overrides?: Partial<LpTrackerBehaviour>;
}

export function seedUser(store: Store, input: SeedInput): UserRec {
  const n = store.nextId();
  const user = store.addUser(input.login ?? `user${n}@sim.lptracker.test`, input.password ?? `pw-${n}`, input.overrides ?? {});
  const created = unix(store.now()) - 86_400 * 30;
  for (const [name, job, type] of STAFF) {
    const id = take(store, user);
    user.staff.push({ id, name, job, type, last_login_at: created + 86_400 * 29, created_at: created });
  }
  const count = Math.max(1, Math.min(input.projects ?? 1, 50));
  for (let i = 1; i <= count; i++) seedProject(store, user, i);
  return user;
}

function seedProject(store: Store, user: UserRec, index: number): ProjectRec {
  const id = take(store, user);
  const domain = `site${id}.sim-lptracker.test`;
  const stages: Stage[] = STAGES.map(([name, in_leads, in_deals], i) => ({
    id: take(store, user),
    name,
    notify: i === 0,
    in_leads,
    in_deals,
  }));
  const customs: CustomField[] = CUSTOMS.map((c) => ({
    id: take(store, user),
    project_id: id,
    name: c.name,
    type: c.type,
    show_in_leads: true,
    show_in_deals: true,
    is_multi_select: c.multi ?? false,
    is_required: false,
    description: "",
    is_multi_line: c.type === "text",
    categories: (c.options ?? []).map((o): Category => ({ id: take(store, user), name: o, category: o, purpose: null })),
  }));
  const fields = CONTACT_FIELDS.map(([name, type]) => ({ id: take(store, user), name, type }));
  const project: ProjectRec = {
    id,
    name: `Проект ${index}`,
    page: `https://${domain}/`,
    domain,
    stages,
    customs,
    fields,
    callbackUrls: [],
    projectCallbackUrls: [],
  };
  user.projects.set(id, project);
  return project;
}

function take(store: Store, user: UserRec): number {
  const id = store.nextId();
  store.own(user, id);
  return id;
}
