import { describe, expect, it } from "vitest";
import { amoLeadFacts, amoPreviousFacts, factAt, importRowFacts, leadFacts } from "../../../src/sync/rules/facts";
import { normalizeLptLead } from "../../../src/sync/mapping/lpt-lead";
import { meta, PRODUCT } from "./fixtures";

const lead = normalizeLptLead({
  id: 9001,
  project_id: 77,
  name: "Заявка",
  funnel: 20,
  contact: {
    id: 501,
    name: "Иван",
    details: [
      { type: "phone", data: "8 999 123-45-67" },
      { type: "email", data: "Ivan@Example.ru" },
    ],
    fields: [{ id: 31, value: "Москва" }],
  },
  view: { source: "yandex", campaign: "spring", keyword: null },
  custom: { "41": "текст", "42": "Окна" },
  payments: [{ sum: 1000 }, { sum: "500,5" }],
  lead_date: "15.03.2024 10:00",
  calls_records: [{ time: 1_710_486_100, linkedid: "a", duration: 5, type: "incomming" }],
});

describe("facts: LPTracker lead", () => {
  it("exposes the documented fact paths", () => {
    const f = leadFacts(lead);
    expect(f).toMatchObject({
      "lead.name": "Заявка",
      "contact.name": "Иван",
      "contact.phone": ["+79991234567"],
      "contact.email": ["ivan@example.ru"],
      "contact.field:31": "Москва",
      "lead.custom:41": "текст",
      "stage.id": 20,
      stage: null,
      "view.source": "yandex",
      "view.campaign": "spring",
      "view.keyword": null,
      "payments.sum": 1500.5,
      project: 77,
      "lead.date": "2024-03-15T10:00:00+03:00",
    });
  });

  it("names a stage given only by id from the project's funnel", () => {
    expect(leadFacts(lead, { stages: [{ id: 20, name: "Новый" }] }).stage).toBe("Новый");
  });

  it("turns a cats value from an {id: value} map into an array when the field type is known", () => {
    expect(leadFacts(lead)["lead.custom:42"]).toBe("Окна");
    expect(leadFacts(lead, { customs: [{ id: 42, type: "cats" }] })["lead.custom:42"]).toEqual(["Окна"]);
  });

  it("adds the project name when given", () => {
    expect(leadFacts(lead, { projectName: "Окна-Сити" })["project.name"]).toBe("Окна-Сити");
  });

  it("gives payments.sum as null when there are no payments, so `empty` works", () => {
    expect(leadFacts(normalizeLptLead({ id: 1 }))["payments.sum"]).toBeNull();
  });

  it("answers both `contact.phone` and `contact.phones` (rules and mappings name them differently)", () => {
    expect(factAt({ "contact.phone": ["+7"] }, "contact.phones")).toEqual(["+7"]);
    expect(factAt({ "contact.emails": ["a@b.ru"] }, "contact.email")).toEqual(["a@b.ru"]);
    expect(factAt({}, "lead.name")).toBeUndefined();
  });
});

describe("facts: amoCRM lead", () => {
  const apiLead = {
    id: 1,
    name: "Сделка",
    price: 15000,
    status_id: 40002,
    pipeline_id: 3001,
    responsible_user_id: 11,
    custom_fields_values: [
      { field_id: 605, values: [{ value: "Окна", enum_id: 8101 }] },
      { field_id: 606, values: [{ value: 1_710_486_000 }] },
    ],
    _embedded: { tags: [{ id: 1, name: "VIP" }, { id: 2, name: "lpt" }] },
  };

  it("exposes pipeline, status, responsible user, name, price, tags and custom values", () => {
    expect(amoLeadFacts(apiLead)).toMatchObject({
      "amo.pipeline_id": 3001,
      "amo.status_id": 40002,
      "amo.responsible_user_id": 11,
      "lead.name": "Сделка",
      "lead.price": 15000,
      tags: ["VIP", "lpt"],
      "lead.custom:605": "Окна",
      "lead.custom:606": 1_710_486_000,
    });
  });

  it("gives multiselect values as an array when the metadata knows the type, and names pipeline and status", () => {
    const f = amoLeadFacts(apiLead, { meta: meta() });
    expect(PRODUCT.type).toBe("multiselect");
    expect(f["lead.custom:605"]).toEqual(["Окна"]);
    expect(f["amo.pipeline_name"]).toBe("Воронка");
    expect(f["amo.status_name"]).toBe("Переговоры");
  });

  it("reads an account-webhook item (form-decoded strings, `custom_fields`, top-level tags)", () => {
    const hook = {
      id: "1",
      name: "Сделка",
      status_id: "142",
      old_status_id: "40002",
      pipeline_id: "3001",
      price: "15000",
      responsible_user_id: "12",
      tags: { "0": { id: "1", name: "VIP" } },
      custom_fields: { "0": { id: "605", name: "Продукт", values: { "0": { value: "Окна", enum: "8101" }, "1": { value: "Двери", enum: "8102" } } } },
    };
    expect(amoLeadFacts(hook)).toMatchObject({
      "amo.status_id": 142,
      "amo.responsible_user_id": 12,
      "lead.price": 15000,
      tags: ["VIP"],
      "lead.custom:605": ["Окна", "Двери"],
    });
    expect(amoPreviousFacts(hook)).toEqual({ "amo.status_id": 40002, "amo.pipeline_id": 3001 });
    expect(amoPreviousFacts(apiLead)).toBeUndefined();
  });

  it("adds contact facts from the lead's contact", () => {
    const contact = {
      id: 7,
      name: "Иван",
      custom_fields_values: [
        { field_code: "PHONE", field_id: 501, values: [{ value: "8 (999) 123-45-67", enum_code: "WORK" }] },
        { field_code: "EMAIL", field_id: 502, values: [{ value: "IVAN@example.ru" }] },
        { field_id: 503, values: [{ value: "Москва" }] },
      ],
    };
    expect(amoLeadFacts(apiLead, { contact })).toMatchObject({
      "contact.name": "Иван",
      "contact.phone": ["+79991234567"],
      "contact.email": ["ivan@example.ru"],
      "contact.field:503": "Москва",
    });
  });
});

describe("facts: import row", () => {
  it("exposes every column as `column:<header>`", () => {
    const f = importRowFacts({ " Сумма ": 1500, "Дата": new Date(Date.UTC(2024, 2, 15, 7)), "Пусто": undefined });
    expect(f).toMatchObject({ "column:Сумма": 1500, "column:Дата": "2024-03-15T10:00:00+03:00", "column:Пусто": null });
  });

  it("detects phone, e-mail and name columns by header and normalises them", () => {
    const f = importRowFacts({ "Телефон": "8 (999) 123-45-67, +7 495 111 22 33", "E-mail": " IVAN@EXAMPLE.RU ", "ФИО": "Иван Петров" });
    expect(f["contact.phone"]).toEqual(["+79991234567", "+74951112233"]);
    expect(f["contact.email"]).toEqual(["ivan@example.ru"]);
    expect(f["contact.name"]).toBe("Иван Петров");
    expect(f["column:Телефон"]).toBe("8 (999) 123-45-67, +7 495 111 22 33");
  });

  it("recognises an e-mail by its value and joins split name columns", () => {
    const f = importRowFacts({ "Фамилия": "Петров", "Имя": "Иван", "Отчество": "Сергеевич", "Контакты": "ivan@example.ru", "Тел.": "9991234567" });
    expect(f["contact.name"]).toBe("Петров Иван Сергеевич");
    expect(f["contact.email"]).toEqual(["ivan@example.ru"]);
    expect(f["contact.phone"]).toEqual(["+79991234567"]);
  });

  it("adds no contact facts when nothing is recognisable", () => {
    const f = importRowFacts({ "Сумма": 5, "Комментарий": "позвонить" });
    expect(f["contact.phone"]).toBeUndefined();
    expect(f["contact.name"]).toBeUndefined();
  });
});
