// State of the settings modal. Nothing reaches our server until the consent box is ticked; «Сохранить»
// checks the LPTracker login through the backend and keeps the modal open when anything is wrong.
import { signal } from "@preact/signals";
import type { LptConnectionResponse, MeResponse } from "../../../worker/src/api-types";
import { describeError, type ErrorView } from "../problem";
import type { WidgetEnv } from "../env";

export type SaveOutcome = { ok: true } | { ok: false; message: string };

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

  function adopt(c: LptConnectionResponse) {
    conn.value = c;
    if (c.login) login.value = c.login;
    projects.value = c.projects.filter((p) => p.selected).map((p) => p.id);
  }

  async function load() {
    if (!consent.value) return;
    loaded = true;
    loading.value = true;
    loadError.value = null;
    try {
      const [m, c] = await Promise.all([env.api.me(), env.api.connection()]);
      if (disposed) return;
      me.value = m;
      adopt(c);
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
  async function save(): Promise<SaveOutcome> {
    info.value = null;
    saveError.value = null;
    if (!consent.value) return refuse(t("setup.consent_required"));
    if (me.value && !me.value.is_admin) return refuse(t("setup.admin_only"));
    if (!login.value.trim()) return refuse(t("setup.login_required"));
    saving.value = true;
    try {
      const answer = await env.api.saveConnection({ login: login.value, password: password.value, projects: projects.value });
      if (disposed) return { ok: true };
      adopt(answer);
      password.value = "";
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

  function dispose() {
    disposed = true;
  }

  return { consent, me, conn, loading, loadError, login, password, projects, saving, saveError, info, load, setConsent, toggleProject, save, dispose };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
