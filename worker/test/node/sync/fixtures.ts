// Shared test data: an amoCRM account's metadata shaped like a fresh account, and rule helpers.
import type { AmoCustomField, AmoMetadata, Rule, RuleAction, RuleCondition, RuleGroup, RuleTrigger } from "../../../src/sync/types";

export const PHONE_FIELD: AmoCustomField = {
  id: 501,
  name: "Телефон",
  code: "PHONE",
  type: "multitext",
  enums: ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"].map((value, i) => ({ id: 900 + i, value })),
};
export const EMAIL_FIELD: AmoCustomField = {
  id: 502,
  name: "Email",
  code: "EMAIL",
  type: "multitext",
  enums: ["WORK", "PRIV", "OTHER"].map((value, i) => ({ id: 910 + i, value })),
};
export const CITY = { id: 503, name: "Город", type: "text" } satisfies AmoCustomField;
export const INTERESTS: AmoCustomField = {
  id: 504,
  name: "Интересы",
  type: "multiselect",
  enums: [
    { id: 7001, value: "Доставка" },
    { id: 7002, value: "Монтаж" },
    { id: 7003, value: "Сервис" },
  ],
};

export const UTM_SOURCE = { id: 601, name: "utm_source", code: "UTM_SOURCE", type: "tracking_data" } satisfies AmoCustomField;
export const UTM_CAMPAIGN = { id: 602, name: "utm_campaign", code: "UTM_CAMPAIGN", type: "tracking_data" } satisfies AmoCustomField;
export const UTM_TERM = { id: 603, name: "utm_term", code: "UTM_TERM", type: "tracking_data" } satisfies AmoCustomField;
export const DEAL_SOURCE: AmoCustomField = {
  id: 604,
  name: "Источник сделки",
  type: "select",
  enums: [
    { id: 8001, value: "LPTracker" },
    { id: 8002, value: "Сайт" },
    { id: 8003, value: "Звонок" },
  ],
};
export const PRODUCT: AmoCustomField = {
  id: 605,
  name: "Продукт",
  type: "multiselect",
  enums: [
    { id: 8101, value: "Окна" },
    { id: 8102, value: "Двери" },
    { id: 8103, value: "Балконы" },
  ],
};
export const VISIT_DATE = { id: 606, name: "Дата визита", type: "date" } satisfies AmoCustomField;
export const BUDGET = { id: 607, name: "Бюджет клиента", type: "numeric" } satisfies AmoCustomField;
export const COMMENT = { id: 608, name: "Комментарий", type: "textarea" } satisfies AmoCustomField;
export const REPEAT = { id: 609, name: "Повторное обращение", type: "checkbox" } satisfies AmoCustomField;
export const ADDRESS = { id: 610, name: "Адрес", type: "smart_address" } satisfies AmoCustomField;

export function meta(overrides: Partial<AmoMetadata> = {}): AmoMetadata {
  return {
    pipelines: [
      {
        id: 3001,
        name: "Воронка",
        sort: 1,
        is_main: true,
        statuses: [
          { id: 40001, name: "Первичный контакт", sort: 10 },
          { id: 40002, name: "Переговоры", sort: 20 },
          { id: 142, name: "Успешно реализовано", sort: 10000 },
        ],
      },
    ],
    leadFields: [UTM_SOURCE, UTM_CAMPAIGN, UTM_TERM, DEAL_SOURCE, PRODUCT, VISIT_DATE, BUDGET, COMMENT, REPEAT, ADDRESS],
    contactFields: [PHONE_FIELD, EMAIL_FIELD, CITY, INTERESTS],
    users: [
      { id: 11, name: "Анна Менеджер", email: "anna@example.ru" },
      { id: 12, name: "Борис Менеджер", email: "boris@example.ru" },
    ],
    taskTypes: [{ id: 1, name: "Связаться" }],
    fetchedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export const all = (...items: (RuleCondition | RuleGroup)[]): RuleGroup => ({ match: "all", items });
export const any = (...items: (RuleCondition | RuleGroup)[]): RuleGroup => ({ match: "any", items });

let nextId = 1;
export function rule(partial: Partial<Rule> & { actions: RuleAction[] }): Rule {
  const id = partial.id ?? nextId++;
  return {
    id,
    name: partial.name ?? `rule ${id}`,
    enabled: partial.enabled ?? true,
    position: partial.position ?? id,
    trigger: partial.trigger ?? ("lpt.lead.created" satisfies RuleTrigger),
    conditions: partial.conditions ?? all(),
    actions: partial.actions,
  };
}
