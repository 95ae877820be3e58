// The widget's request building, error wording, sync polling and dictionaries, without a browser.
import { describe, expect, it } from "vitest";
import ru from "../../../widget/i18n/ru.json";
import type { CardResponse } from "../../src/api-types";
import { createT, keyPaths, normalizeLang, type Dict } from "../../../widget/src/i18n";
import { ApiError, describeError, pickLanguage, toApiError } from "../../../widget/src/problem";
import { cardLinkRequest, cardRequest, cardSyncRequest, connectionSaveRequest, mappingSaveRequest, meRequest } from "../../../widget/src/requests";
import { pollDelayMs, syncProgress } from "../../../widget/src/card-sync";

const t = createT(ru as Dict);

describe("widget i18n", () => {
  it("looks up nested keys and fills in parameters", () => {
    expect(t("card.sync")).toBe("Синхронизировать");
    expect(t("card.synced_ago", { when: "2 минуты назад" })).toBe("Обновлено 2 минуты назад");
  });
  it("shows a missing key as itself instead of failing", () => {
    expect(t("card.nope")).toBe("card.nope");
    expect(t("card")).toBe("card");
  });
  it("treats ru, ru_RU as Russian and other languages as English", () => {
    expect(normalizeLang("ru_RU")).toBe("ru");
    expect(normalizeLang("es")).toBe("en");
    expect(normalizeLang(undefined)).toBe("ru");
  });
  it("lists every leaf key", () => {
    expect(keyPaths({ a: { b: "x", c: { d: "y" } }, e: "z" })).toEqual(["a.b", "a.c.d", "e"]);
  });
});

describe("widget requests", () => {
  it("builds the card requests of the API contract", () => {
    expect(meRequest()).toEqual({ method: "GET", path: "/api/widget/me" });
    expect(cardRequest("leads", 42)).toEqual({ method: "GET", path: "/api/widget/card?entity=leads&id=42" });
    expect(cardSyncRequest("contacts", 7)).toEqual({ method: "POST", path: "/api/widget/card/sync", body: { entity: "contacts", id: 7 } });
    expect(cardLinkRequest("leads", 42, 9001)).toEqual({ method: "POST", path: "/api/widget/card/link", body: { entity: "leads", id: 42, lptLeadId: 9001 } });
  });
  it("refuses ids that are not positive whole numbers", () => {
    expect(() => cardRequest("leads", 0)).toThrow(RangeError);
    expect(() => cardSyncRequest("leads", 1.5)).toThrow(RangeError);
  });
  it("always sends consent with the LPTracker login, trims it, and leaves out an empty password", () => {
    expect(connectionSaveRequest({ login: "  a@b.ru ", password: "", projects: [3, 3, 5] })).toEqual({
      method: "PUT",
      path: "/api/widget/lptracker",
      body: { login: "a@b.ru", projects: [3, 5], consent: true },
    });
    expect((connectionSaveRequest({ login: "a@b.ru", password: "p", projects: [] }).body as { password?: string }).password).toBe("p");
  });
  it("saves mapping rows without the view-only broken marker", () => {
    const req = mappingSaveRequest(
      5,
      [{ id: "r1", source: " view.source ", target: { entity: "lead", field: "custom", fieldId: 10 }, transform: { kind: "as_is" }, broken: "gone" }],
      [{ lptStageId: 1, amoPipelineId: 2, amoStatusId: 3, direction: "both" }],
    );
    expect(req).toEqual({
      method: "PUT",
      path: "/api/widget/mapping/5",
      body: {
        rows: [{ id: "r1", source: "view.source", target: { entity: "lead", field: "custom", fieldId: 10 }, transform: { kind: "as_is" } }],
        stageMap: [{ lptStageId: 1, amoPipelineId: 2, amoStatusId: 3, direction: "both" }],
      },
    });
  });
});

describe("widget error wording", () => {
  it("picks the interface language from a «русский / English» detail", () => {
    const detail = "LPTracker не принял логин или пароль — проверьте их. / LPTracker refused the login or password (bad).";
    expect(pickLanguage(detail, "ru")).toBe("LPTracker не принял логин или пароль — проверьте их.");
    expect(pickLanguage(detail, "en")).toBe("LPTracker refused the login or password (bad).");
    expect(pickLanguage("Only English here / still English", "ru")).toBe("Only English here / still English");
  });
  it("says the server is unreachable when there was no answer", () => {
    const view = describeError({ status: 0, reason: "error" }, "ru", t);
    expect(view).toMatchObject({ kind: "network", message: "Сервер недоступен, попробуйте позже." });
    expect(describeError({ status: 0, reason: "timeout" }, "ru", t).message).toBe("Сервер не ответил вовремя, попробуйте позже.");
  });
  it("shows the backend's detail and keeps the request id for support", () => {
    const view = describeError({ status: 400, body: { type: "/problems/validation", title: "Invalid input", status: 400, detail: "Введите пароль LPTracker / Enter the LPTracker password.", requestId: "req-123" } }, "ru", t);
    expect(view).toEqual({ kind: "problem", message: "Введите пароль LPTracker", hint: null, requestId: "req-123" });
  });
  it("recognises a reinstall problem and a refusal for non-admins", () => {
    expect(describeError({ status: 409, body: { type: "/problems/reauth-required", title: "", status: 409, detail: "Переустановите / Reinstall" } }, "ru", t).kind).toBe("reinstall");
    expect(describeError({ status: 403, body: null }, "ru", t)).toMatchObject({ kind: "forbidden", message: "Это действие доступно только администратору аккаунта amoCRM." });
  });
  it("falls back to a generic server message when a 5xx has no problem body", () => {
    expect(describeError({ status: 502, body: "<html>" }, "ru", t).message).toBe("Ошибка на сервере интеграции (код 502).");
  });
  it("passes ApiError through unchanged", () => {
    const e = new ApiError(404, null);
    expect(toApiError(e)).toBe(e);
  });
});

function card(lastEvents: (CardResponse["leads"][number]["lastEvent"])[]): CardResponse {
  return {
    entity: "leads",
    id: 1,
    install_status: "active",
    can: { sync: true, link: true },
    leads: lastEvents.map((lastEvent, i) => ({
      lptLeadId: i + 1,
      projectId: 1,
      projectName: null,
      name: null,
      stage: { id: null, name: null },
      source: {},
      createdAt: null,
      fields: [],
      calls: [],
      lptUrl: "https://my.lptracker.ru/#/leads/1",
      syncedAt: null,
      lastEvent,
    })),
  };
}

describe("sync polling", () => {
  it("keeps polling until the queued event shows up as the lead's last event", () => {
    expect(syncProgress(card([{ id: 4, status: "done", error: null }]), [5])).toEqual({ state: "running" });
    expect(syncProgress(card([{ id: 5, status: "processing", error: null }]), [5])).toEqual({ state: "running" });
    expect(syncProgress(card([{ id: 5, status: "done", error: null }]), [5])).toEqual({ state: "done" });
  });
  it("counts a newer event as the end of the sync", () => {
    expect(syncProgress(card([{ id: 9, status: "skipped", error: null }]), [5])).toEqual({ state: "done" });
  });
  it("waits for every lead of a contact card and reports failures", () => {
    const two = card([
      { id: 5, status: "done", error: null },
      { id: 6, status: "failed", error: "amoCRM answered 400" },
    ]);
    expect(syncProgress(two, [5, 6])).toEqual({ state: "failed", errors: ["amoCRM answered 400"] });
    expect(syncProgress(card([{ id: 5, status: "done", error: null }, null]), [5, 6])).toEqual({ state: "running" });
  });
  it("is done at once when nothing was queued", () => {
    expect(syncProgress(card([]), [])).toEqual({ state: "done" });
  });
  it("polls quickly first and backs off to four seconds", () => {
    expect(pollDelayMs(0)).toBe(1000);
    expect(pollDelayMs(100)).toBe(4000);
  });
});
