import { describe, expect, it } from "vitest";
import {
  complexLeadBody,
  contactCreateBody,
  contactPatchBody,
  emptyContactDraft,
  emptyLeadDraft,
  leadCreateBody,
  leadPatchBody,
  type AmoContactDraft,
  type AmoLeadDraft,
} from "../../../src/sync/mapping/amo-payload";

const contact: AmoContactDraft = {
  ...emptyContactDraft(),
  name: "Иван Петров",
  phones: [{ value: "+79991234567", enumCode: "WORK" }],
  emails: [{ value: "ivan@example.ru", enumCode: "WORK" }],
  tags: ["lpt"],
  customFields: [{ field_id: 503, values: [{ value: "Москва" }] }],
};

const lead: AmoLeadDraft = {
  ...emptyLeadDraft(),
  name: "Заявка",
  price: 1500.4,
  tags: ["yandex", "Yandex", " "],
  customFields: [{ field_id: 601, values: [{ value: "yandex" }] }],
};

describe("amoCRM payloads: create", () => {
  it("builds a contact with PHONE/EMAIL by field_code and tags in _embedded", () => {
    expect(contactCreateBody(contact)).toEqual({
      name: "Иван Петров",
      custom_fields_values: [
        { field_code: "PHONE", values: [{ value: "+79991234567", enum_code: "WORK" }] },
        { field_code: "EMAIL", values: [{ value: "ivan@example.ru", enum_code: "WORK" }] },
        { field_id: 503, values: [{ value: "Москва" }] },
      ],
      _embedded: { tags: [{ name: "lpt" }] },
    });
  });

  it("leaves out what the draft does not have", () => {
    expect(contactCreateBody(emptyContactDraft())).toEqual({});
  });

  it("builds a lead in a pipeline and status, linked to a contact, with de-duplicated tags and a whole budget", () => {
    expect(leadCreateBody(lead, { pipelineId: 3001, statusId: 40001, contactId: 77 })).toEqual({
      name: "Заявка",
      price: 1500,
      pipeline_id: 3001,
      status_id: 40001,
      custom_fields_values: [{ field_id: 601, values: [{ value: "yandex" }] }],
      _embedded: { tags: [{ name: "yandex" }], contacts: [{ id: 77 }] },
    });
  });
});

describe("amoCRM payloads: complex lead", () => {
  it("embeds the new contact in the lead", () => {
    const { body, problems } = complexLeadBody(lead, contact, { pipelineId: 3001, statusId: 40001 });
    expect(problems).toEqual([]);
    expect(body._embedded?.contacts).toEqual([contactCreateBody(contact)]);
    expect(body._embedded?.tags).toEqual([{ name: "yandex" }]);
    expect(body.pipeline_id).toBe(3001);
  });

  it("leaves the contact out when its draft is empty", () => {
    const { body } = complexLeadBody(lead, emptyContactDraft(), { pipelineId: 3001, statusId: 40001 });
    expect(body._embedded?.contacts).toBeUndefined();
  });

  it("sends at most 40 custom-field values per entity and reports the rest", () => {
    const many = Array.from({ length: 42 }, (_, i) => ({ field_id: 1000 + i, values: [{ value: `v${i}` }] }));
    const { body, problems } = complexLeadBody({ ...lead, customFields: many }, { ...contact, customFields: many }, { pipelineId: 1, statusId: 2 });
    expect(body.custom_fields_values).toHaveLength(40);
    const sentContact = body._embedded!.contacts![0] as { custom_fields_values: { field_code?: string }[] };
    expect(sentContact.custom_fields_values).toHaveLength(40);
    expect(sentContact.custom_fields_values[0]!.field_code).toBe("PHONE");
    expect(problems.map((p) => `${p.entity}:${p.field}`)).toEqual(["lead:1040", "lead:1041", "contact:1038", "contact:1039", "contact:1040", "contact:1041"]);
    expect(problems[0]!.reason).toMatch(/at most 40 custom-field values/);
  });
});

describe("amoCRM payloads: patch", () => {
  const existing = {
    id: 5,
    name: "Иван",
    custom_fields_values: [
      { field_id: 501, field_code: "PHONE", values: [{ value: "8 (999) 123-45-67", enum_id: 903, enum_code: "MOB" }] },
      { field_id: 502, field_code: "EMAIL", values: [{ value: "Ivan@Example.RU", enum_id: 910 }] },
    ],
    _embedded: { tags: [{ id: 1, name: "VIP" }] },
  };

  it("adds no phone that is already there in another format, and no e-mail differing only in case", () => {
    const body = contactPatchBody(5, { ...emptyContactDraft(), phones: [{ value: "+79991234567", enumCode: "WORK" }], emails: [{ value: "ivan@example.ru", enumCode: "WORK" }] }, existing);
    expect(body).toEqual({ id: 5 });
  });

  it("adds a new phone while keeping the existing ones exactly as stored", () => {
    const body = contactPatchBody(
      5,
      { ...emptyContactDraft(), phones: [{ value: "+79991234567", enumCode: "WORK" }, { value: "+74951112233", enumCode: "WORK" }] },
      existing,
    );
    expect(body.custom_fields_values).toEqual([
      {
        field_code: "PHONE",
        values: [
          { value: "8 (999) 123-45-67", enum_id: 903 },
          { value: "+74951112233", enum_code: "WORK" },
        ],
      },
    ]);
  });

  it("updates only mapped fields: name and other custom fields, tags merged with the current ones", () => {
    const body = contactPatchBody(5, { ...emptyContactDraft(), name: "Иван Петров", tags: ["vip", "lpt"], customFields: [{ field_id: 503, values: [{ value: "Тверь" }] }] }, existing);
    expect(body).toEqual({
      id: 5,
      name: "Иван Петров",
      custom_fields_values: [{ field_id: 503, values: [{ value: "Тверь" }] }],
      _embedded: { tags: [{ name: "VIP" }, { name: "lpt" }] },
    });
  });

  it("reads the existing contact from an account-webhook shape too", () => {
    const hook = { id: "5", custom_fields: { "0": { id: "501", code: "PHONE", values: { "0": { value: "+7 999 123-45-67", enum: "900" } } } } };
    expect(contactPatchBody(5, { ...emptyContactDraft(), phones: [{ value: "+79991234567", enumCode: "WORK" }] }, hook)).toEqual({ id: 5 });
  });

  it("without the existing contact, sends the draft's phones as they are", () => {
    expect(contactPatchBody(5, { ...emptyContactDraft(), phones: [{ value: "+79991234567", enumCode: "MOB" }] }).custom_fields_values).toEqual([
      { field_code: "PHONE", values: [{ value: "+79991234567", enum_code: "MOB" }] },
    ]);
  });

  it("patches a lead's mapped fields and keeps its tags", () => {
    expect(leadPatchBody(9, lead, { _embedded: { tags: [{ name: "old" }] } })).toEqual({
      id: 9,
      name: "Заявка",
      price: 1500,
      custom_fields_values: [{ field_id: 601, values: [{ value: "yandex" }] }],
      _embedded: { tags: [{ name: "old" }, { name: "yandex" }] },
    });
    expect(leadPatchBody(9, { ...emptyLeadDraft(), tags: ["old"] }, { _embedded: { tags: [{ name: "OLD" }] } })).toEqual({ id: 9 });
  });

  it("does not mutate the drafts", () => {
    const copy = structuredClone(contact);
    contactCreateBody(contact).custom_fields_values![2]!.values.push({ value: "x" });
    expect(contact).toEqual(copy);
  });
});
