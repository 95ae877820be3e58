// Pure parts of incoming leads: the unsorted webhook items as events, the forms entry and its
// metadata built from an LPTracker lead, the request note, the widget's requests and the admin words.
import { describe, expect, it } from "vitest";
import { unsortedHookEvents } from "../../../src/sync/intake/unsorted-hook";
import { formMetadata, formsItem, requestNoteText, unsortedSourceUid } from "../../../src/amocrm/unsorted";
import { normalizeLptLead } from "../../../src/sync/mapping/lpt-lead";
import { parseNestedFormBody } from "../../../src/lib/php-form";
import { unsortedSettingRequest, unsortedSettingSaveRequest } from "../../../../widget/src/requests";
import { eventActionLabel } from "../../../../admin/src/audit/words";

function lead(extra: Record<string, unknown> = {}) {
  return normalizeLptLead({
    id: 501,
    project_id: 7,
    name: "Заявка",
    created_at: 1_700_000_000,
    form: "Обратный звонок",
    contact: { id: 9, name: "Анна", contacts: [{ type: "phone", data: "+7 999 000-11-22" }, { type: "email", data: "A@B.ru" }] },
    view: { source: "yandex", campaign: "spring", keyword: "окна", address: "https://site.example/p", referrer: "https://ya.ru/", ip: "203.0.113.9", ym_client_id: "ym-1" },
    ...extra,
  });
}

describe("unsorted webhook items", () => {
  it("turns accept, decline and link items into events keyed by uid, action and lead; ignores the rest", () => {
    const body = [
      "unsorted[delete][0][action]=accept&unsorted[delete][0][uid]=abc123&unsorted[delete][0][accept_result][leads][0]=77",
      "unsorted[delete][1][action]=decline&unsorted[delete][1][uid]=def456&unsorted[delete][1][decline_result][leads][0]=78",
      "unsorted[delete][2][action]=link&unsorted[delete][2][uid]=ghi789&unsorted[delete][2][link_result][leads][0][id]=79",
      "unsorted[delete][3][action]=explode&unsorted[delete][3][uid]=x",
      "unsorted[delete][4][action]=accept&unsorted[delete][4][uid]=bad uid",
      "unsorted[add][0][uid]=new1&account[id]=1",
    ].join("&");
    const events = unsortedHookEvents(parseNestedFormBody(body).unsorted);
    expect(events.map((e) => [e.action, e.externalId, e.dedupeKey])).toEqual([
      ["unsorted_accept", "77", "amo:unsorted:abc123:accept:77"],
      ["unsorted_decline", "78", "amo:unsorted:def456:decline:78"],
      ["unsorted_link", "79", "amo:unsorted:ghi789:link:79"],
    ]);
    expect(events.every((e) => e.source === "amocrm")).toBe(true);
    expect(unsortedHookEvents(undefined)).toEqual([]);
    expect(unsortedHookEvents("x")).toEqual([]);
  });

  it("reads at most 50 items of one body", () => {
    const body = Array.from({ length: 80 }, (_, i) => `unsorted[delete][${i}][action]=decline&unsorted[delete][${i}][uid]=u${i}`).join("&");
    expect(unsortedHookEvents(parseNestedFormBody(body).unsorted)).toHaveLength(50);
  });
});

describe("the forms entry", () => {
  it("carries the form metadata the LPTracker lead has, and a stable source per project", () => {
    const l = lead();
    expect(l.form).toBe("Обратный звонок");
    expect(formMetadata(l, 7, "Сайт", 0)).toEqual({
      form_id: "lptracker-7",
      form_name: "Обратный звонок",
      form_page: "https://site.example/p",
      form_sent_at: 1_700_000_000,
      ip: "203.0.113.9",
      referer: "https://ya.ru/",
      visitor_uid: "ym-1",
    });
    const item = formsItem(l, { name: "Заявка", price: 100, pipeline_id: 1, status_id: 2, _embedded: { tags: [{ name: "lpt" }], contacts: [{ name: "Анна" }] } }, { projectId: 7, projectName: "Сайт", pipelineId: 55, now: 0 });
    expect(item).toMatchObject({ source_uid: unsortedSourceUid(7), source_name: "LPTracker: Сайт", pipeline_id: 55, request_id: "501", created_at: 1_700_000_000 });
    expect(item._embedded.leads).toEqual([{ name: "Заявка", price: 100, _embedded: { tags: [{ name: "lpt" }] } }]);
    expect(item._embedded.contacts).toEqual([{ name: "Анна" }]);
    expect(unsortedSourceUid(7)).toBe(unsortedSourceUid(7));
  });

  it("leaves out what the lead does not have and still names a form and a page", () => {
    const bare = lead({ form: null, view: {} });
    const meta = formMetadata(bare, 7, null, 1_700_000_000_000);
    expect(meta).toEqual({ form_id: "lptracker-7", form_name: "LPTracker: проект 7", form_page: "LPTracker: проект 7", form_sent_at: 1_700_000_000 });
  });

  it("writes the request into the note, UTM included, and marks a repeat", () => {
    const text = requestNoteText(lead(), true);
    expect(text.split("\n")[0]).toBe("Повторная заявка из LPTracker (лид 501)");
    for (const part of ["Телефон: +79990001122", "E-mail: a@b.ru", "Форма: Обратный звонок", "Страница: https://site.example/p", "utm_source: yandex", "utm_campaign: spring", "utm_term: окна", "IP: 203.0.113.9"]) expect(text).toContain(part);
    expect(requestNoteText(lead(), false).startsWith("Заявка из LPTracker")).toBe(true);
  });
});

describe("widget requests and admin words", () => {
  it("reads and saves the setting per project", () => {
    expect(unsortedSettingRequest(7)).toEqual({ method: "GET", path: "/api/widget/unsorted/7" });
    expect(unsortedSettingSaveRequest(7, 55)).toEqual({ method: "PUT", path: "/api/widget/unsorted/7", body: { pipelineId: 55 } });
    expect(unsortedSettingSaveRequest(7, null).body).toEqual({ pipelineId: null });
    expect(() => unsortedSettingSaveRequest(0, 1)).toThrow(RangeError);
  });

  it("names the unsorted events in the admin page", () => {
    expect(eventActionLabel("unsorted_accept")).not.toBe("unsorted_accept");
    expect(eventActionLabel("unsorted_decline")).not.toBe("unsorted_decline");
  });
});
