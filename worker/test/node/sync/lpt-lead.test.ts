import { describe, expect, it } from "vitest";
import { LptLeadShapeError, normalizeLptLead } from "../../../src/sync/mapping/lpt-lead";

const MSK = 3 * 3600_000;

/** `GET /lead/{id}` as the SDK and clients see it (docs §2.5). */
function apiLead(over: Record<string, unknown> = {}) {
  return {
    id: 9001,
    contact_id: 501,
    contact: {
      id: 501,
      project_id: 77,
      name: "Иван Петров",
      profession: null,
      site: null,
      details: [
        { id: "11", type: "phone", data: "8 (999) 123-45-67" },
        { id: 12, type: "phone", data: "+7 999 123 45 67" },
        { id: 13, type: "email", data: " Ivan@Example.RU " },
        { id: 14, type: "telegram", data: "@ivan" },
        { id: 15, type: "phone", data: "not a phone" },
      ],
      fields: [{ id: 31, name: "Город", type: "string", value: "Москва" }],
    },
    name: "Заявка с сайта",
    funnel: 20,
    stage_id: 20,
    owner_id: 33,
    view: { source: "yandex", campaign: "spring", keyword: "окна", seo_system: "direct", referer: "https://ya.ru", visitor: { ip: "1.2.3.4" } },
    custom: [
      { id: 41, name: "Комментарий", type: "text", value: "позвонить вечером" },
      { id: 42, name: "Продукт", type: "cats", value: ["Окна", "Двери"] },
      { id: 43, name: "Канал", type: "cats", value: "Сайт" },
    ],
    payments: [{ category: "Аванс", purpose: "Замер", sum: "1500.50" }, { sum: 500 }],
    created_at: 1_710_486_000,
    lead_date: "15.03.2024 10:00",
    updated_at: 1_710_489_600,
    deal_date: null,
    calls_records: [],
    ...over,
  };
}

/** Lead callback body (docs §3.2): `contact.contacts`, `stage{id,name}`, ms action timestamp. */
function webhookBody(over: Record<string, unknown> = {}) {
  return {
    action: "update",
    action_timestamp: 1_710_489_600_123,
    action_update_fields: "stage.id,name",
    id: "9001",
    contact_id: "501",
    project_id: 77,
    created_at: 1_710_486_000,
    deal: false,
    owner_id: 33,
    stage_id: 21,
    name: "Заявка с сайта",
    custom: [{ id: 42, name: "Продукт", type: "cats", value: "Окна" }],
    view: { id: 5, project_id: 77, source: "google", campaign: null, keyword: null, referrer: "https://google.com", platform: "desktop" },
    contact: { id: 501, name: "Иван", project_id: 77, contacts: [{ id: 11, type: "phone", data: "89991234567" }, { id: 13, type: "email", data: "ivan@example.ru" }] },
    owner: { id: 33, type: "manager", name: "Оля" },
    stage: { id: 21, name: "В работе" },
    payments: [{ sum: 1000, purpose_id: 1, purpose_name: "Оплата", category_id: 2, category_name: "Окна" }],
    calls_records: [
      { time: 1_710_486_100, linkedid: "abc-1", duration: 65, record: "https://rec.example/1.mp3", type: "incomming", owner_id: 33, disposition: "ANSWERED" },
    ],
    ...over,
  };
}

describe("LPTracker lead: envelope and ids", () => {
  it("reads a lead inside the API envelope", () => {
    const lead = normalizeLptLead({ status: "success", result: apiLead() });
    expect(lead.id).toBe(9001);
    expect(lead.name).toBe("Заявка с сайта");
    expect(lead.projectId).toBe(77);
    expect(lead.ownerId).toBe(33);
  });

  it("reads a webhook body, also when it is the JSON string of a form field `data`", () => {
    const body = webhookBody();
    expect(normalizeLptLead(body).id).toBe(9001);
    expect(normalizeLptLead({ data: JSON.stringify(body) }).id).toBe(9001);
    expect(normalizeLptLead(JSON.stringify(body)).contact.id).toBe(501);
  });

  it("reads ids given as numeric strings", () => {
    const lead = normalizeLptLead(webhookBody());
    expect(lead.id).toBe(9001);
    expect(lead.contact.details[0]!.id).toBe(11);
    expect(normalizeLptLead(apiLead()).contact.details[0]!.id).toBe(11);
  });

  it("throws LptLeadShapeError when there is no lead id", () => {
    expect(() => normalizeLptLead({ name: "x" })).toThrow(LptLeadShapeError);
    expect(() => normalizeLptLead({ id: "abc" })).toThrow(/no usable id/);
    expect(() => normalizeLptLead(null)).toThrow(LptLeadShapeError);
    expect(() => normalizeLptLead("{oops")).toThrow(LptLeadShapeError);
  });
});

describe("LPTracker lead: stage", () => {
  it("reads `funnel` as a bare id", () => {
    expect(normalizeLptLead(apiLead({ funnel: 20, stage_id: undefined })).stage).toEqual({ id: 20, name: null });
  });

  it("reads `funnel` as {id, name}", () => {
    expect(normalizeLptLead(apiLead({ funnel: { id: 20, name: "Новый" } })).stage).toEqual({ id: 20, name: "Новый" });
  });

  it("reads the webhook's `stage{id,name}` before `stage_id`", () => {
    expect(normalizeLptLead(webhookBody()).stage).toEqual({ id: 21, name: "В работе" });
  });

  it("falls back to `stage_id`, `funnel_id`, `funnel_stage` and a funnel-type custom field", () => {
    expect(normalizeLptLead({ id: 1, stage_id: "5" }).stage).toEqual({ id: 5, name: null });
    expect(normalizeLptLead({ id: 1, funnel_id: 6 }).stage).toEqual({ id: 6, name: null });
    expect(normalizeLptLead({ id: 1, funnel_stage: { id: 7, name: "Семь" } }).stage).toEqual({ id: 7, name: "Семь" });
    expect(normalizeLptLead({ id: 1, custom: [{ id: 3, type: "conv_funnel", value: 8 }] }).stage).toEqual({ id: 8, name: null });
    expect(normalizeLptLead({ id: 1 }).stage).toBeNull();
  });
});

describe("LPTracker lead: contact", () => {
  it("reads `contact.details`, normalising phones to E.164 without duplicates", () => {
    const { contact } = normalizeLptLead(apiLead());
    expect(contact.phones).toEqual(["+79991234567"]);
    expect(contact.emails).toEqual(["ivan@example.ru"]);
    expect(contact.details).toHaveLength(5);
    expect(contact.details.find((d) => d.type === "telegram")?.data).toBe("@ivan");
    expect(contact.fields).toEqual([{ id: 31, name: "Город", type: "string", value: "Москва" }]);
  });

  it("reads the webhook's `contact.contacts`", () => {
    const { contact } = normalizeLptLead(webhookBody());
    expect(contact.name).toBe("Иван");
    expect(contact.phones).toEqual(["+79991234567"]);
    expect(contact.emails).toEqual(["ivan@example.ru"]);
  });

  it("reads contact fields given as an {id: value} map", () => {
    const lead = normalizeLptLead(apiLead({ contact: { id: 1, details: [], fields: { "31": "Москва", "32": 5 } } }));
    expect(lead.contact.fields).toEqual([
      { id: 31, name: null, type: null, value: "Москва" },
      { id: 32, name: null, type: null, value: 5 },
    ]);
  });
});

describe("LPTracker lead: custom fields, view and payments", () => {
  it("reads `custom` as an array; a cats value becomes an array of names", () => {
    const lead = normalizeLptLead(apiLead());
    expect(lead.custom).toEqual([
      { id: 41, name: "Комментарий", type: "text", value: "позвонить вечером" },
      { id: 42, name: "Продукт", type: "cats", value: ["Окна", "Двери"] },
      { id: 43, name: "Канал", type: "cats", value: ["Сайт"] },
    ]);
  });

  it("reads cats options given as objects", () => {
    const lead = normalizeLptLead({ id: 1, custom: [{ id: 42, type: "cats", value: [{ id: 1, name: "Окна" }, { id: 2, category: "Двери" }] }] });
    expect(lead.custom[0]!.value).toEqual(["Окна", "Двери"]);
  });

  it("reads `custom` as an {id: value} map", () => {
    const lead = normalizeLptLead(apiLead({ custom: { "41": "позвонить", "42": ["Окна"] } }));
    expect(lead.custom).toEqual([
      { id: 41, name: null, type: null, value: "позвонить" },
      { id: 42, name: null, type: null, value: ["Окна"] },
    ]);
  });

  it("reads the view, folding `referer` into `referrer` and leaving nested parts out", () => {
    const { view } = normalizeLptLead(apiLead());
    expect(view).toMatchObject({ source: "yandex", campaign: "spring", keyword: "окна", seo_system: "direct", referrer: "https://ya.ru", platform: null });
    expect(view.visitor).toBeUndefined();
    expect(normalizeLptLead({ id: 1 }).view.source).toBeNull();
  });

  it("reads payments with sums as text or numbers", () => {
    expect(normalizeLptLead(apiLead()).payments).toEqual([
      { sum: 1500.5, category: "Аванс", purpose: "Замер" },
      { sum: 500, category: null, purpose: null },
    ]);
    expect(normalizeLptLead(webhookBody()).payments).toEqual([{ sum: 1000, category: "Окна", purpose: "Оплата" }]);
  });
});

describe("LPTracker lead: dates", () => {
  const moscow = (y: number, m: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, m - 1, d, h, mi, s) - MSK;
  const dateOf = (v: unknown) => normalizeLptLead({ id: 1, lead_date: v }).leadDate;

  it("reads unix seconds and unix milliseconds", () => {
    expect(dateOf(1_710_486_000)).toBe(1_710_486_000_000);
    expect(dateOf(1_710_486_000_000)).toBe(1_710_486_000_000);
    expect(dateOf("1710486000")).toBe(1_710_486_000_000);
  });

  it("reads d.m.Y H:i and d.m.Y H:i:s as Moscow time", () => {
    expect(dateOf("15.03.2024 10:00")).toBe(moscow(2024, 3, 15, 10, 0));
    expect(dateOf("15.03.2024 10:00:30")).toBe(moscow(2024, 3, 15, 10, 0, 30));
  });

  it("reads d.m.y", () => {
    expect(dateOf("15.03.24")).toBe(moscow(2024, 3, 15));
  });

  it("gives null for missing or unreadable dates", () => {
    expect(dateOf(null)).toBeNull();
    expect(dateOf("скоро")).toBeNull();
  });

  it("reads the webhook's event: action, ms timestamp and changed fields", () => {
    const lead = normalizeLptLead(webhookBody());
    expect(lead.event).toEqual({ action: "update", at: 1_710_489_600_123, updatedFields: ["stage.id", "name"] });
    expect(lead.createdAt).toBe(1_710_486_000_000);
    expect(lead.isDeal).toBe(false);
    expect(normalizeLptLead(apiLead()).event).toBeNull();
  });
});

describe("LPTracker lead: calls", () => {
  const call = (over: Record<string, unknown>) => ({ time: 1_710_486_100, linkedid: "L1", duration: 30, record: null, type: "incomming", owner_id: 33, ...over });
  const callsOf = (...records: Record<string, unknown>[]) => normalizeLptLead({ id: 1, calls_records: records }).calls;

  it("reads a call record into id, time in ms, direction, duration, recording, disposition and owner", () => {
    expect(normalizeLptLead(webhookBody()).calls).toEqual([
      {
        id: "abc-1",
        at: 1_710_486_100_000,
        direction: "inbound",
        durationSec: 65,
        recordingUrl: "https://rec.example/1.mp3",
        disposition: "ANSWERED",
        ownerId: 33,
      },
    ]);
  });

  it('reads "incomming", "incoming" and "inbound" as inbound, "outgoing"/"outbound" as outbound', () => {
    const calls = callsOf(
      call({ linkedid: "a", type: "incomming" }),
      call({ linkedid: "b", type: "incoming" }),
      call({ linkedid: "c", type: "inbound" }),
      call({ linkedid: "d", type: "outgoing" }),
      call({ linkedid: "e", type: "Outbound" }),
      call({ linkedid: "f", type: "missed" }),
    );
    expect(calls.map((c) => c.direction)).toEqual(["inbound", "inbound", "inbound", "outbound", "outbound", "inbound"]);
  });

  it("gives a call without linkedid a stable id from its time and duration", () => {
    const first = callsOf(call({ linkedid: null }))[0]!;
    const again = callsOf(call({ linkedid: "" , owner_id: 99 }))[0]!;
    const other = callsOf(call({ linkedid: null, duration: 31 }))[0]!;
    expect(first.id).toMatch(/^h[0-9a-f]{8}$/);
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
  });

  it("reads string times and durations, empty recordings and missing owners", () => {
    const [c] = callsOf(call({ time: "15.03.2024 10:01:40", duration: "12", record: "", owner_id: null, disposition: undefined }));
    expect(c).toMatchObject({ at: 1_710_486_100_000, durationSec: 12, recordingUrl: null, ownerId: null, disposition: null });
  });

  it("drops duplicate records and records without a time", () => {
    expect(callsOf(call({}), call({}), call({ linkedid: "x", time: null }))).toHaveLength(1);
  });
});
