// The settings modal's side of amoCRM's install order and the widget switch, without a browser:
// the requests it sends, when it keeps asking whether amoCRM's access arrived, and that switching
// off never waits on our server.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import ru from "../../../widget/i18n/ru.json";
import type { LptConnectionResponse, MeResponse } from "../../src/api-types";
import { createT, type Dict } from "../../../widget/src/i18n";
import { connectionSaveRequest, widgetStateRequest } from "../../../widget/src/requests";
import { createSettingsStore, POLL_FAST_MS, SWITCH_OFF_WAIT_MS, waitsForAmo } from "../../../widget/src/settings/settings-store";
import type { WidgetApi } from "../../../widget/src/api";
import type { WidgetEnv } from "../../../widget/src/env";

const base: MeResponse = { account_id: 1, subdomain: "acme", user_id: 5, is_admin: true, install_status: "active" };
const noConn: LptConnectionResponse = { connected: false, login: null, status: null, lastError: null, projects: [] };

function envWith(api: Partial<WidgetApi>): WidgetEnv {
  return { api: api as WidgetApi, t: createT(ru as Dict), lang: "ru", support: { email: "s@example.com", link: "https://example.com" }, privacyUrl: "https://example.com/privacy", now: () => Date.now() };
}

describe("install and switch requests", () => {
  it("marks amoCRM's onSave with active 'Y' on the connection save, and leaves it out otherwise", () => {
    expect((connectionSaveRequest({ login: "a@b.ru", password: "", projects: [1], active: true }).body as { active?: boolean }).active).toBe(true);
    expect("active" in (connectionSaveRequest({ login: "a@b.ru", password: "", projects: [1] }).body as object)).toBe(false);
  });
  it("switches the widget with PUT /api/widget/state", () => {
    expect(widgetStateRequest(false)).toEqual({ method: "PUT", path: "/api/widget/state", body: { active: false } });
  });
  it("waits for amoCRM while the install is pending or access is awaited, not while switched off", () => {
    expect(waitsForAmo(null)).toBe(false);
    expect(waitsForAmo(base)).toBe(false);
    expect(waitsForAmo({ ...base, install_status: "pending" })).toBe(true);
    expect(waitsForAmo({ ...base, install_status: "uninstalled", access: { state: "waiting", since: 1, reconnect_url: "x" } })).toBe(true);
    expect(waitsForAmo({ ...base, install_status: "uninstalled", paused: true })).toBe(false);
  });
});

describe("settings modal while amoCRM's access is awaited", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("asks again on a timer until the install is active, then stops", async () => {
    const answers: MeResponse[] = [
      { ...base, install_status: "pending", access: { state: "waiting", since: 1, reconnect_url: "x" } },
      { ...base, install_status: "pending", access: { state: "exchanging", since: 1, reconnect_url: "x" } },
      base,
    ];
    const me = vi.fn(async () => answers.shift() ?? base);
    const store = createSettingsStore(envWith({ me, connection: async () => noConn }), true, () => undefined);
    await store.load();
    expect(store.me.value?.access?.state).toBe("waiting");
    await vi.advanceTimersByTimeAsync(POLL_FAST_MS);
    expect(store.me.value?.access?.state).toBe("exchanging");
    await vi.advanceTimersByTimeAsync(POLL_FAST_MS);
    expect(store.me.value?.install_status).toBe("active");
    const calls = me.mock.calls.length;
    await vi.advanceTimersByTimeAsync(POLL_FAST_MS * 5);
    expect(me.mock.calls.length).toBe(calls);
    store.dispose();
  });

  it("stops asking once the modal is closed", async () => {
    const me = vi.fn(async (): Promise<MeResponse> => ({ ...base, install_status: "pending" }));
    const store = createSettingsStore(envWith({ me, connection: async () => noConn }), true, () => undefined);
    await store.load();
    store.dispose();
    const calls = me.mock.calls.length;
    await vi.advanceTimersByTimeAsync(POLL_FAST_MS * 5);
    expect(me.mock.calls.length).toBe(calls);
  });
});

describe("switching off", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("resolves within its bound even when our server never answers", async () => {
    const setActive = vi.fn(() => new Promise<MeResponse>(() => undefined));
    const store = createSettingsStore(envWith({ setActive }), true, () => undefined);
    let done = false;
    void store.switchOff().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(SWITCH_OFF_WAIT_MS + 10);
    expect(done).toBe(true);
    expect(setActive).toHaveBeenCalledWith(false);
  });

  it("resolves when our server refuses, and sends nothing without consent", async () => {
    const setActive = vi.fn(async (): Promise<MeResponse> => {
      throw new Error("503");
    });
    await expect(createSettingsStore(envWith({ setActive }), true, () => undefined).switchOff()).resolves.toBeUndefined();
    setActive.mockClear();
    await createSettingsStore(envWith({ setActive }), false, () => undefined).switchOff();
    expect(setActive).not.toHaveBeenCalled();
  });
});
