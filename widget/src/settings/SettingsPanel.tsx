// The settings modal's own part: consent first (nothing is sent before it), then the install status
// and the LPTracker connection form with project pickers, errors shown right where they belong.
import { h } from "preact";
import { useEffect } from "preact/hooks";
import type { LptConnectionResponse, MeResponse } from "../../../worker/src/api-types";
import type { WidgetEnv } from "../env";
import { pickLanguage, storedText } from "../problem";
import { ErrorBox, Loading, Notice, SupportLine } from "../ui";
import type { SettingsStore } from "./settings-store";

export interface SettingsPanelProps {
  env: WidgetEnv;
  store: SettingsStore;
}

export function SettingsPanel({ env, store }: SettingsPanelProps) {
  const { t } = env;
  useEffect(() => {
    void store.load();
    return store.dispose;
  }, [store]);

  return (
    <div class="lptw-settings" data-testid="lptw-settings">
      <div class="lptw-consent" data-testid="lptw-consent-block">
        <div class="lptw-consent__text">{t("setup.consent_text")}</div>
        <ul class="lptw-consent__list lptw-small">
          <li>{t("setup.consent_item_leads")}</li>
          <li>{t("setup.consent_item_calls")}</li>
          <li>{t("setup.consent_item_password")}</li>
        </ul>
        {env.privacyUrl && (
          <p class="lptw-small lptw-consent__privacy">
            <a href={`${env.privacyUrl}${env.lang === "en" ? "?lang=en" : ""}`} target="_blank" rel="noopener noreferrer" data-testid="lptw-privacy-link">
              {t("setup.consent_privacy")}
            </a>
          </p>
        )}
        <label class="lptw-check lptw-consent__check">
          <input type="checkbox" checked={store.consent.value} onChange={(e) => store.setConsent(e.currentTarget.checked)} data-testid="lptw-consent" />
          <span>{t("setup.consent_label")}</span>
        </label>
        {!store.consent.value && <div class="lptw-small lptw-muted">{t("setup.consent_nothing_sent")}</div>}
      </div>

      {store.consent.value && <Connected env={env} store={store} />}
      {!store.consent.value && store.saveError.value && <ErrorBox env={env} error={store.saveError.value} testId="lptw-save-error" />}
      <SupportLine env={env} />
    </div>
  );
}

function Connected({ env, store }: SettingsPanelProps) {
  const { t } = env;
  if (store.loading.value) return <Loading text={t("common.loading")} />;
  if (store.loadError.value) return <ErrorBox env={env} error={store.loadError.value} onRetry={() => void store.load()} />;
  const me = store.me.value;
  const conn = store.conn.value;
  const readOnly = !!me && !me.is_admin;
  return (
    <div class="lptw-settings__body">
      {me && <InstallStatus env={env} me={me} />}
      {readOnly && <Notice tone="warn">{t("setup.admin_only")}</Notice>}
      <fieldset class="lptw-form" disabled={readOnly || store.saving.value}>
        <legend class="lptw-section-title">{t("setup.lpt_title")}</legend>
        {conn?.connected && <ConnectionState env={env} conn={conn} />}
        <label class="lptw-field">
          <span class="lptw-field__label">{t("setup.login")}</span>
          <input
            class="lptw-input"
            type="email"
            autocomplete="username"
            value={store.login.value}
            onInput={(e) => (store.login.value = e.currentTarget.value)}
            data-testid="lptw-login"
          />
        </label>
        <label class="lptw-field">
          <span class="lptw-field__label">{t("setup.password")}</span>
          <input
            class="lptw-input"
            type="password"
            autocomplete="current-password"
            placeholder={conn?.connected ? t("setup.password_saved") : ""}
            value={store.password.value}
            onInput={(e) => (store.password.value = e.currentTarget.value)}
            data-testid="lptw-password"
          />
        </label>
        {conn && conn.projects.length > 0 && <Projects env={env} store={store} conn={conn} />}
        <div class="lptw-row">
          <button type="button" class="lptw-btn" onClick={() => void store.save()} data-testid="lptw-check">
            {store.saving.value ? t("setup.checking") : conn?.connected ? t("setup.check_again") : t("setup.check")}
          </button>
          <span class="lptw-small lptw-muted">{t("setup.save_hint")}</span>
        </div>
      </fieldset>
      {store.saveError.value && <ErrorBox env={env} error={store.saveError.value} testId="lptw-save-error" />}
      {store.info.value && (
        <Notice tone={conn?.projects.some((p) => p.selected) ? "ok" : "warn"} testId="lptw-save-info">
          {store.info.value}
        </Notice>
      )}
      {conn?.warning && <Notice tone="warn">{storedText(conn.warning, conn.warningText, env.lang, env.t)}</Notice>}
    </div>
  );
}

function InstallStatus({ env, me }: { env: WidgetEnv; me: MeResponse }) {
  const { t } = env;
  if (me.paused) {
    return (
      <Notice tone="warn" title={t("install.title_paused")} testId="lptw-install">
        <span data-state="paused">{t("install.paused")}</span>
      </Notice>
    );
  }
  const access = me.access;
  if (access) {
    const trouble = access.state === "lost" || access.state === "failed";
    return (
      <Notice tone={trouble ? "warn" : "info"} title={t(`install.title_access_${access.state}`)} testId="lptw-install">
        <div data-state={access.state} data-testid="lptw-access">
          {access.state === "failed" ? t("install.access_failed", { reason: access.detail ?? "—" }) : t(`install.access_${access.state}`)}
        </div>
        {!trouble && <div class="lptw-small lptw-muted">{t("install.access_auto")}</div>}
        {trouble && (
          <div class="lptw-row">
            <a class="lptw-btn" href={access.reconnect_url} target="_blank" rel="noopener" data-testid="lptw-reconnect">
              {t("install.reconnect")}
            </a>
            <span class="lptw-small lptw-muted">{t("install.reconnect_hint")}</span>
          </div>
        )}
      </Notice>
    );
  }
  // Saved before «Установить» was pressed: amoCRM has not been asked for access yet.
  const status = me.install_status === "pending" ? "not_installed" : me.install_status;
  const tone = status === "active" ? "ok" : "warn";
  return (
    <Notice tone={tone} title={t(`install.title_${status}`)} testId="lptw-install">
      <span data-state={status}>
        {status === "reauth_required" ? (me.action ? storedText(me.action, me.actionText, env.lang, env.t) : t("install.reauth_hint")) : t(`install.${status}`)}
      </span>
    </Notice>
  );
}

function ConnectionState({ env, conn }: { env: WidgetEnv; conn: LptConnectionResponse }) {
  const { t } = env;
  const broken = conn.status === "error";
  return (
    <div class={`lptw-small ${broken ? "lptw-tone--missed" : "lptw-tone--ok"}`} data-testid="lptw-connection">
      {broken ? t("setup.connection_error", { error: conn.lastError ? pickLanguage(conn.lastError, env.lang) : "—" }) : t("setup.connected_as", { login: conn.login ?? "" })}
    </div>
  );
}

function Projects({ env, store, conn }: SettingsPanelProps & { conn: LptConnectionResponse }) {
  const { t } = env;
  const chosen = store.projects.value;
  return (
    <div class="lptw-field" data-testid="lptw-projects">
      <span class="lptw-field__label">{t("setup.projects")}</span>
      {conn.projects.map((p) => (
        <label key={p.id} class="lptw-check">
          <input type="checkbox" checked={chosen.includes(p.id)} onChange={(e) => store.toggleProject(p.id, e.currentTarget.checked)} data-testid={`lptw-project-${p.id}`} />
          <span>
            {p.name}
            {p.selected && p.hookStatus && (
              <span class={`lptw-small lptw-hook lptw-hook--${p.hookStatus}`}>
                {" · "}
                {t(`setup.hook_${p.hookStatus}`)}
                {p.hookStatus === "failed" && p.hookError ? `: ${pickLanguage(p.hookError, env.lang)}` : ""}
              </span>
            )}
          </span>
        </label>
      ))}
    </div>
  );
}
