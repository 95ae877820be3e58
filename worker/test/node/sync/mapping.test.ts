import { describe, expect, it } from "vitest";
import { applyMapping, defaultMapping, validateMapping } from "../../../src/sync/mapping/mapping";
import type { Facts, MappingRow } from "../../../src/sync/types";
import { ADDRESS, BUDGET, CITY, COMMENT, DEAL_SOURCE, INTERESTS, meta, PRODUCT, REPEAT, UTM_CAMPAIGN, UTM_SOURCE, UTM_TERM, VISIT_DATE } from "./fixtures";

const asIs = { kind: "as_is" } as const;

function row(id: string, source: string, target: MappingRow["target"], transform: MappingRow["transform"] = asIs): MappingRow {
  return { id, source, target, transform };
}

const facts: Facts = {
  "lead.name": "Заявка с сайта",
  "contact.name": "Иван Петров",
  "contact.phones": ["+79991234567", "+74951112233"],
  "contact.emails": ["ivan@example.ru"],
  "view.source": "yandex",
  "view.campaign": "spring",
  "view.keyword": "окна пвх",
  "lead.custom:42": ["Окна", "Балконы"],
  "lead.custom:43": "Сайт",
  "lead.custom:44": "15.03.2024",
  "lead.custom:45": "1 500,50",
  "lead.custom:46": "да",
  "lead.custom:47": "Москва",
  "payments.sum": 12000.6,
};

describe("mapping: validation", () => {
  it("accepts rows whose targets exist", () => {
    const rows = [row("a", "view.source", { entity: "lead", field: "custom", fieldId: UTM_SOURCE.id })];
    expect(validateMapping(rows, meta())).toEqual(rows);
  });

  it("marks a row broken when its custom field was deleted in amoCRM", () => {
    const [view] = validateMapping([row("a", "view.source", { entity: "lead", field: "custom", fieldId: 999 })], meta());
    expect(view!.broken).toBe("amoCRM lead field #999 no longer exists (deleted in amoCRM?); choose another field or remove this row");
  });

  it("marks a row broken when the field belongs to the other entity", () => {
    const [view] = validateMapping([row("a", "contact.field:1", { entity: "lead", field: "custom", fieldId: CITY.id })], meta());
    expect(view!.broken).toBe('amoCRM field "Город" (#503) belongs to the contact, but this row sends it to the lead');
  });

  it("marks phones sent to a lead and a budget sent to a contact as broken", () => {
    const views = validateMapping(
      [row("a", "contact.phones", { entity: "lead", field: "phone" }), row("b", "payments.sum", { entity: "contact", field: "price" })],
      meta(),
    );
    expect(views[0]!.broken).toMatch(/Phones can only go to the contact/);
    expect(views[1]!.broken).toMatch(/Contacts have no budget/);
  });

  it("marks a select target without a value map as broken", () => {
    const [view] = validateMapping([row("a", "lead.custom:43", { entity: "lead", field: "custom", fieldId: DEAL_SOURCE.id })], meta());
    expect(view!.broken).toMatch(/is a list: add a value map/);
  });

  it("marks a value map pointing to an option the field no longer has as broken", () => {
    const rows = [row("a", "lead.custom:43", { entity: "lead", field: "custom", fieldId: DEAL_SOURCE.id }, { kind: "enum_map", map: { "Сайт": 8002, "Звонок": 8999 } })];
    expect(validateMapping(rows, meta())[0]!.broken).toBe(
      'The value map points to option #8999, which amoCRM field "Источник сделки" (#604) no longer has; pick a current option',
    );
    const fallback = [row("b", "lead.custom:43", { entity: "lead", field: "custom", fieldId: DEAL_SOURCE.id }, { kind: "enum_map", map: { "Сайт": 8002 }, fallback: 1 })];
    expect(validateMapping(fallback, meta())[0]!.broken).toMatch(/option #1/);
  });

  it("marks unknown phone types and unsupported field types as broken", () => {
    const views = validateMapping(
      [
        row("a", "contact.phones", { entity: "contact", field: "phone", enumCode: "PAGER" }),
        row("b", "view.referrer", { entity: "lead", field: "custom", fieldId: ADDRESS.id }),
      ],
      meta(),
    );
    expect(views[0]!.broken).toMatch(/Phone type "PAGER" does not exist.*WORK, WORKDD, MOB/);
    expect(views[1]!.broken).toMatch(/type "smart_address", which a mapping cannot fill/);
  });

  it("marks custom rows broken while amoCRM fields are not loaded", () => {
    const empty = meta({ leadFields: [], contactFields: [], fetchedAt: null });
    const [view] = validateMapping([row("a", "view.source", { entity: "lead", field: "custom", fieldId: UTM_SOURCE.id })], empty);
    expect(view!.broken).toMatch(/not loaded yet/);
  });
});

describe("mapping: apply", () => {
  it("feeds one source into several targets", () => {
    const rows = [
      row("a", "view.source", { entity: "lead", field: "custom", fieldId: UTM_SOURCE.id }),
      row("b", "view.source", { entity: "lead", field: "tags" }),
      row("c", "view.source", { entity: "contact", field: "tags" }),
    ];
    const { lead, contact, problems } = applyMapping(rows, facts, meta());
    expect(problems).toEqual([]);
    expect(lead.customFields).toEqual([{ field_id: UTM_SOURCE.id, values: [{ value: "yandex" }] }]);
    expect(lead.tags).toEqual(["yandex"]);
    expect(contact.tags).toEqual(["yandex"]);
  });

  it("gives phones and e-mails their enum code, WORK by default", () => {
    const rows = [
      row("a", "contact.phones", { entity: "contact", field: "phone" }),
      row("b", "contact.emails", { entity: "contact", field: "email", enumCode: "priv" }),
    ];
    const { contact } = applyMapping(rows, facts, meta());
    expect(contact.phones).toEqual([
      { value: "+79991234567", enumCode: "WORK" },
      { value: "+74951112233", enumCode: "WORK" },
    ]);
    expect(contact.emails).toEqual([{ value: "ivan@example.ru", enumCode: "PRIV" }]);
  });

  it("accumulates phones from several rows without duplicates, normalising formats", () => {
    const rows = [
      row("a", "contact.phones", { entity: "contact", field: "phone", enumCode: "MOB" }),
      row("b", "column:Телефон", { entity: "contact", field: "phone" }),
    ];
    const { contact, problems } = applyMapping(rows, { ...facts, "column:Телефон": "8 (999) 123-45-67" }, meta());
    expect(contact.phones.map((p) => p.value)).toEqual(["+79991234567", "+74951112233"]);
    expect(problems).toEqual([]);
  });

  it("reports a value that is not a phone instead of dropping it silently", () => {
    const { problems } = applyMapping([row("a", "column:Телефон", { entity: "contact", field: "phone" })], { "column:Телефон": "позвонить" }, meta());
    expect(problems).toEqual([{ rowId: "a", reason: '"позвонить" is not a phone number' }]);
  });

  it("turns a select value into enum_id and a multiselect into several values", () => {
    const rows = [
      row("a", "lead.custom:43", { entity: "lead", field: "custom", fieldId: DEAL_SOURCE.id }, { kind: "enum_map", map: { "сайт": 8002 } }),
      row("b", "lead.custom:42", { entity: "lead", field: "custom", fieldId: PRODUCT.id }, { kind: "enum_map", map: { "окна": 8101, "балконы": "Балконы" } }),
    ];
    const { lead, problems } = applyMapping(rows, facts, meta());
    expect(problems).toEqual([]);
    expect(lead.customFields).toEqual([
      { field_id: DEAL_SOURCE.id, values: [{ enum_id: 8002 }] },
      { field_id: PRODUCT.id, values: [{ enum_id: 8101 }, { enum_id: 8103 }] },
    ]);
  });

  it("merges multiselect values from several rows", () => {
    const rows = [
      row("a", "x", { entity: "contact", field: "custom", fieldId: INTERESTS.id }, { kind: "constant", value: 7001 }),
      row("b", "y", { entity: "contact", field: "custom", fieldId: INTERESTS.id }, { kind: "constant", value: "Монтаж" }),
    ];
    const { contact } = applyMapping(rows, facts, meta());
    expect(contact.customFields).toEqual([{ field_id: INTERESTS.id, values: [{ enum_id: 7001 }, { enum_id: 7002 }] }]);
  });

  it("gives date, numeric and checkbox fields proper types", () => {
    const rows = [
      row("a", "lead.custom:44", { entity: "lead", field: "custom", fieldId: VISIT_DATE.id }, { kind: "date" }),
      row("b", "lead.custom:45", { entity: "lead", field: "custom", fieldId: BUDGET.id }, { kind: "number" }),
      row("c", "lead.custom:46", { entity: "lead", field: "custom", fieldId: REPEAT.id }),
      row("d", "lead.custom:44", { entity: "lead", field: "custom", fieldId: COMMENT.id }),
    ];
    const { lead, problems } = applyMapping(rows, facts, meta());
    expect(problems).toEqual([]);
    expect(lead.customFields).toEqual([
      { field_id: VISIT_DATE.id, values: [{ value: (Date.UTC(2024, 2, 15) - 3 * 3600_000) / 1000 }] },
      { field_id: BUDGET.id, values: [{ value: 1500.5 }] },
      { field_id: REPEAT.id, values: [{ value: true }] },
      { field_id: COMMENT.id, values: [{ value: "15.03.2024" }] },
    ]);
  });

  it("fills the budget, the names and the responsible user", () => {
    const rows = [
      row("a", "payments.sum", { entity: "lead", field: "price" }),
      row("b", "lead.name", { entity: "lead", field: "name" }),
      row("c", "contact.name", { entity: "contact", field: "name" }),
      row("d", "-", { entity: "lead", field: "responsible_user_id" }, { kind: "constant", value: "Борис Менеджер" }),
    ];
    const { lead, contact, problems } = applyMapping(rows, facts, meta());
    expect(problems).toEqual([]);
    expect(lead).toMatchObject({ price: 12001, name: "Заявка с сайта", responsibleUserId: 12 });
    expect(contact.name).toBe("Иван Петров");
  });

  it("lets the last row win for a single-value target", () => {
    const rows = [
      row("a", "view.source", { entity: "lead", field: "custom", fieldId: UTM_SOURCE.id }),
      row("b", "view.campaign", { entity: "lead", field: "custom", fieldId: UTM_SOURCE.id }),
    ];
    expect(applyMapping(rows, facts, meta()).lead.customFields).toEqual([{ field_id: UTM_SOURCE.id, values: [{ value: "spring" }] }]);
  });

  it("does not apply a broken row (deleted field) and reports it in problems", () => {
    const rows = [
      row("gone", "view.source", { entity: "lead", field: "custom", fieldId: 999 }),
      row("ok", "view.source", { entity: "lead", field: "tags" }),
    ];
    const { lead, problems } = applyMapping(rows, facts, meta());
    expect(lead.customFields).toEqual([]);
    expect(lead.tags).toEqual(["yandex"]);
    expect(problems).toEqual([{ rowId: "gone", reason: "amoCRM lead field #999 no longer exists (deleted in amoCRM?); choose another field or remove this row" }]);
  });

  it("reports an enum map miss with the value that had no entry", () => {
    const rows = [row("a", "lead.custom:43", { entity: "lead", field: "custom", fieldId: DEAL_SOURCE.id }, { kind: "enum_map", map: { "звонок": 8003 } })];
    expect(applyMapping(rows, { "lead.custom:43": "Партнёр" }, meta()).problems).toEqual([
      { rowId: "a", reason: 'lead.custom:43: no value map entry for "Партнёр" and no fallback' },
    ]);
  });

  it("reports values that do not fit the field type", () => {
    const rows = [
      row("a", "lead.custom:47", { entity: "lead", field: "custom", fieldId: BUDGET.id }),
      row("b", "lead.custom:47", { entity: "lead", field: "price" }),
    ];
    expect(applyMapping(rows, facts, meta()).problems).toEqual([
      { rowId: "a", reason: '"Москва" is not a number for amoCRM field "Бюджет клиента" (#607)' },
      { rowId: "b", reason: '"Москва" is not a number, so it cannot be the budget' },
    ]);
  });

  it("writes nothing and reports nothing for an empty source", () => {
    const out = applyMapping([row("a", "view.medium", { entity: "lead", field: "custom", fieldId: UTM_SOURCE.id })], facts, meta());
    expect(out.lead.customFields).toEqual([]);
    expect(out.problems).toEqual([]);
  });
});

describe("mapping: default", () => {
  it("maps names, phones, e-mails and UTM fields when the account has UTM_SOURCE/UTM_CAMPAIGN/UTM_TERM", () => {
    expect(defaultMapping(meta())).toEqual([
      { id: "default-lead-name", source: "lead.name", target: { entity: "lead", field: "name" }, transform: asIs },
      { id: "default-contact-name", source: "contact.name", target: { entity: "contact", field: "name" }, transform: asIs },
      { id: "default-contact-phones", source: "contact.phones", target: { entity: "contact", field: "phone", enumCode: "WORK" }, transform: asIs },
      { id: "default-contact-emails", source: "contact.emails", target: { entity: "contact", field: "email", enumCode: "WORK" }, transform: asIs },
      { id: "default-view-source", source: "view.source", target: { entity: "lead", field: "custom", fieldId: UTM_SOURCE.id }, transform: asIs },
      { id: "default-view-campaign", source: "view.campaign", target: { entity: "lead", field: "custom", fieldId: UTM_CAMPAIGN.id }, transform: asIs },
      { id: "default-view-keyword", source: "view.keyword", target: { entity: "lead", field: "custom", fieldId: UTM_TERM.id }, transform: asIs },
    ]);
  });

  it("sends the source to lead tags when the account has no UTM fields", () => {
    const rows = defaultMapping(meta({ leadFields: [DEAL_SOURCE] }));
    expect(rows.map((r) => r.id)).toEqual(["default-lead-name", "default-contact-name", "default-contact-phones", "default-contact-emails", "default-view-source"]);
    expect(rows[4]!.target).toEqual({ entity: "lead", field: "tags" });
  });

  it("is valid against the account it was built for and produces a full draft", () => {
    const m = meta();
    const rows = defaultMapping(m);
    expect(validateMapping(rows, m).every((r) => r.broken === undefined)).toBe(true);
    const { contact, lead, problems } = applyMapping(rows, facts, m);
    expect(problems).toEqual([]);
    expect(contact).toMatchObject({ name: "Иван Петров", emails: [{ value: "ivan@example.ru", enumCode: "WORK" }] });
    expect(contact.phones).toHaveLength(2);
    expect(lead.name).toBe("Заявка с сайта");
    expect(lead.customFields.map((f) => f.values[0]!.value)).toEqual(["yandex", "spring", "окна пвх"]);
  });
});
