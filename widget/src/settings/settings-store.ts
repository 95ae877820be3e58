// State of the settings modal. Nothing reaches our server until the consent box is ticked; «Сохранить»
// checks the LPTracker login through the backend and keeps the modal open when anything is wrong.
// While amoCRM has not granted access yet (its code comes on its own schedule, or never), the modal
// asks the backend again on a timer and shows what it is waiting for, without a reload.
import { signal } from "@preact/signals";
import type { LptConnectionResponse, MeResponse } from "../../../worker/src/api-types";
import { describeError, type ErrorView } from "../problem";
import type { WidgetEnv } from "../env";

export type SaveOutcome = { ok: true } | { ok: false; message: string };

/** How often the modal asks whether amoCRM's access arrived: quickly at first, then calmer. */
export const POLL_FAST_MS = 2000;
export const POLL_SLOW_MS = 6000;
const FAST_POLLS = 15;

/** amoCRM's onSave should settle within about 2 s; switching off never waits on us longer. */
export const SWITCH_OFF_WAIT_MS = 1500;

/** Whether the install still waits for amoCRM, so that the modal should look again later. */
export function waitsForAmo(m: MeResponse | null): boolean {
  if (!m || m.paused) return false;
  return m.install_status === "pending" || !!m.access;
}

export function createSettingsStore(env: WidgetEnv, initialConsent: boolean, onConsent: (given: boolean) => void) {
  const { t } = env;
  const consent = signal(initialConsent);
  const me = signal<MeResponse | null>(null);
  const conn = signal<LptConnectionResponse | null>(null);
  const loading = signal(false);
  const loadError = signal<ErrorView | null>(null);
  const login = signal("");
  const password = signal("");
  const projects = signal<number[]>([]);
  const saving = signal(false);
  const saveError = signal<ErrorView | null>(null);
  const info = signal<string | null>(null);
  let loaded = false;
  let disposed = false;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let polls = 0;

  function stopPolling() {
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = null;
  }

  /** Looks at /me again while amoCRM's access is awaited; a failed look just tries again later. */
  function schedulePoll() {
    stopPolling();
    if (disposed || !waitsForAmo(me.value)) return;
    pollTimer = setTimeout(
      async () => {
        pollTimer = null;
        polls++;
        try {
          const m = await env.api.me();
          if (disposed) return;
          me.value = m;
        } catch {
          /* offline for a moment: the next look will tell */
        }
        schedulePoll();
      },
      polls < FAST_POLLS ? POLL_FAST_MS : POLL_SLOW_MS,
    );
  }

  function adopt(c: LptConnectionResponse) {
    conn.value = c;
    if (c.login) login.value = c.login;
    projects.value = c.projects.filter((p) => p.selected).map((p) => p.id);
  }

  let loading$: Promise<void> | null = null;

  function load(): Promise<void> {
    loading$ = loadOnce().finally(() => {
      loading$ = null;
    });
    return loading$;
  }

  async function loadOnce() {
    if (!consent.value) return;
    loaded = true;
    loading.value = true;
    loadError.value = null;
    try {
      const [m, c] = await Promise.all([env.api.me(), env.api.connection()]);
      if (disposed) return;
      me.value = m;
      adopt(c);
      schedulePoll();
    } catch (err) {
      if (!disposed) loadError.value = describeError(err, env.lang, t);
    } finally {
      if (!disposed) loading.value = false;
    }
  }

  function setConsent(given: boolean) {
    consent.value = given;
    onConsent(given);
    if (given) {
      saveError.value = null;
      if (!loaded) void load();
    }
  }

  function toggleProject(id: number, on: boolean) {
    const rest = projects.value.filter((p) => p !== id);
    projects.value = on ? [...rest, id] : rest;
  }

  function refuse(message: string): SaveOutcome {
    saveError.value = { kind: "problem", message, hint: null, requestId: null };
    return { ok: false, message };
  }

  /** Sends the LPTracker login to the backend; the outcome says whether the modal may close. */
  async function save(opts: { active?: boolean } = {}): Promise<SaveOutcome> {
    // amoCRM's button may be pressed before the saved connection has loaded: wait for it.
    if (loading$) await loading$;
    if (disposed) return { ok: true };
    info.value = null;
    saveError.value = null;
    if (!consent.value) return refuse(t("setup.consent_required"));
    if (me.value && !me.value.is_admin) return refuse(t("setup.admin_only"));
    if (!login.value.trim()) return refuse(t("setup.login_required"));
    saving.value = true;
    try {
      const answer = await env.api.saveConnection({ login: login.value, password: password.value, projects: projects.value, active: opts.active });
      if (disposed) return { ok: true };
      adopt(answer);
      password.value = "";
      // The first save may be what created the account on our side: look at the install again.
      void refreshMe();
      if (answer.projects.length > 0 && !answer.projects.some((p) => p.selected)) {
        info.value = t("setup.choose_projects");
        return { ok: false, message: info.value };
      }
      info.value = t("setup.connected_ok");
      return { ok: true };
    } catch (err) {
      const view = describeError(err, env.lang, t);
      saveError.value = view;
      return { ok: false, message: view.message };
    } finally {
      if (!disposed) saving.value = false;
    }
  }

  /**
   * amoCRM's onSave with evt.active 'N': asks our server to pause. Nothing goes out without consent,
   * and neither LPTracker nor our server being down may keep the widget on: resolves either way.
   */
  function switchOff(): Promise<void> {
    if (!consent.value) return Promise.resolve();
    const sent = env.api.setActive(false).then(
      () => undefined,
      () => undefined,
    );
    return Promise.race([sent, new Promise<void>((resolve) => setTimeout(resolve, SWITCH_OFF_WAIT_MS))]);
  }

  async function refreshMe() {
    try {
      const m = await env.api.me();
      if (disposed) return;
      me.value = m;
      polls = 0;
      schedulePoll();
    } catch {
      /* the status line keeps what it knew */
    }
  }

  function dispose() {
    disposed = true;
    stopPolling();
  }

  return { consent, me, conn, loading, loadError, login, password, projects, saving, saveError, info, load, setConsent, toggleProject, save, switchOff, refreshMe, dispose };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
