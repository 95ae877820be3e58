// The widget block in the right column of a lead or contact card: its states (no consent, loading,
// error, reinstall, nothing linked with suggestions) and the linked LPTracker leads with «Синхронизировать».
import { h } from "preact";
import type { CardResponse } from "../../../worker/src/api-types";
import { formatAgo, formatWhen } from "../format";
import type { CardApi } from "../api";
import type { WidgetEnv } from "../env";
import type { CardEntity } from "../requests";
import { ErrorBox, Loading, Notice } from "../ui";
import { useCard, type CardModel } from "./use-card";
import { LeadView } from "./LeadView";

export interface CardPanelProps {
  env: WidgetEnv<CardApi>;
  entity: CardEntity;
  /** 0 for a card that is not saved yet. */
  id: number;
  consent: boolean;
}

export function CardPanel({ env, entity, id, consent }: CardPanelProps) {
  const { t } = env;
  const store = useCard(env, entity, id, consent && id > 0);

  if (!consent) {
    return (
      <Notice tone="warn" title={t("card.no_consent_title")} testId="lptw-no-consent">
        {t("card.no_consent")}
      </Notice>
    );
  }
  if (id <= 0) return <Notice testId="lptw-unsaved">{t(entity === "leads" ? "card.unsaved_lead" : "card.unsaved_contact")}</Notice>;

  const state = store.load;
  if (state.kind === "loading") return <Loading text={t("card.loading")} />;
  if (state.kind === "error") {
    const refused = refusalKey(state.error.reason, entity);
    if (refused) {
      return (
        <Notice tone="warn" title={t("card.denied_title")} testId="lptw-denied">
          {t(refused)}
        </Notice>
      );
    }
    return <ErrorBox env={env} error={state.error} onRetry={store.refresh} />;
  }
  return <CardBody env={env} store={store} card={state.card} entity={entity} />;
}

/** amoCRM's rights hide this card from the user: our own words, in the interface language. */
function refusalKey(reason: string | null | undefined, entity: CardEntity): string | null {
  if (reason === "no_view_right") return entity === "leads" ? "card.denied_lead" : "card.denied_contact";
  if (reason === "rights_unavailable") return "card.rights_unavailable";
  return null;
}

function CardBody({ env, store, card, entity }: { env: WidgetEnv<CardApi>; store: CardModel; card: CardResponse; entity: CardEntity }) {
  const { t } = env;
  const status = card.install_status;
  return (
    <div class="lptw-card" data-testid="lptw-card">
      {status === "reauth_required" && (
        <Notice tone="warn" title={t("install.reauth_title")} testId="lptw-reinstall">
          {store.reinstallAction ?? t("install.reauth_hint")}
        </Notice>
      )}
      {card.paused && (
        <Notice tone="warn" title={t("install.title_paused")} testId="lptw-card-paused">
          {t("card.paused")}
        </Notice>
      )}
      {(status === "pending" || status === "uninstalled" || status === "not_installed") && (
        <Notice tone="warn" testId="lptw-install-status">
          {t(`install.${status}`)}
        </Notice>
      )}
      {card.leads.length === 0 ? <Unlinked env={env} store={store} card={card} entity={entity} /> : card.leads.map((lead) => <LeadView key={lead.lptLeadId} env={env} lead={lead} />)}
      {!!card.hiddenLeads && (
        <div class="lptw-small lptw-muted lptw-hidden-leads" data-testid="lptw-hidden-leads">
          {t("card.hidden_leads", { count: card.hiddenLeads })}
        </div>
      )}
      {card.leads.length > 0 && !card.paused && <SyncBar env={env} store={store} card={card} />}
    </div>
  );
}

function SyncBar({ env, store, card }: { env: WidgetEnv<CardApi>; store: CardModel; card: CardResponse }) {
  const { t } = env;
  const sync = store.sync;
  const running = sync.kind === "running";
  const synced = card.leads.map((l) => l.syncedAt).filter((v): v is number => v !== null);
  const last = synced.length ? Math.max(...synced) : null;
  // Older answers carry no `can`: the server still refuses what the user may not do.
  const canSync = card.can?.sync ?? true;
  return (
    <div class="lptw-syncbar">
      {canSync && (
        <button type="button" class="lptw-btn lptw-btn--primary lptw-btn--block" disabled={running} onClick={store.syncNow} data-testid="lptw-sync">
          {running ? t("card.syncing") : t("card.sync")}
        </button>
      )}
      <div class="lptw-small lptw-muted" data-testid="lptw-synced-at" title={last ? formatWhen(last, { lang: env.lang, now: env.now() }, t) : undefined}>
        {last ? t("card.synced_ago", { when: formatAgo(last, { lang: env.lang, now: env.now() }, t) }) : t("card.never_synced")}
      </div>
      {sync.kind === "done" && (
        <div class="lptw-small lptw-tone--ok" data-testid="lptw-sync-done" role="status">
          {t("card.sync_done")}
        </div>
      )}
      {sync.kind === "slow" && (
        <div class="lptw-small lptw-muted" data-testid="lptw-sync-slow" role="status">
          {t("card.sync_slow")}
        </div>
      )}
      {sync.kind === "failed" && (
        <div class="lptw-small lptw-tone--missed" data-testid="lptw-sync-failed" role="alert">
          {t("card.sync_failed", { error: sync.message })}
        </div>
      )}
    </div>
  );
}

function Unlinked({ env, store, card, entity }: { env: WidgetEnv<CardApi>; store: CardModel; card: CardResponse; entity: CardEntity }) {
  const { t } = env;
  const suggestions = card.can?.link === false ? [] : (card.suggestions ?? []);
  if (suggestions.length === 0) {
    return (
      <Notice title={t("card.empty_title")} testId="lptw-empty">
        {t(entity === "leads" ? "card.empty_hint_lead" : "card.empty_hint_contact")}
      </Notice>
    );
  }
  const linkError = store.linkError;
  return (
    <div class="lptw-suggestions" data-testid="lptw-suggestions">
      <div class="lptw-section-title">{t("card.suggestions_title")}</div>
      <div class="lptw-small lptw-muted">{t("card.suggestions_hint")}</div>
      <ul class="lptw-suggestion-list">
        {suggestions.map((s) => (
          <li key={s.lptLeadId} class="lptw-suggestion" data-testid="lptw-suggestion">
            <div class="lptw-suggestion__text">
              <div class="lptw-suggestion__name">{s.name?.trim() || t("card.lead_untitled", { id: s.lptLeadId })}</div>
              <div class="lptw-small lptw-muted">
                {[s.stage, s.createdAt !== null ? formatWhen(s.createdAt, { lang: env.lang, now: env.now() }, t) : null].filter(Boolean).join(" · ")}
              </div>
            </div>
            <button type="button" class="lptw-btn lptw-btn--small" disabled={store.linking !== null} onClick={() => store.link(s.lptLeadId)} data-testid="lptw-link">
              {store.linking === s.lptLeadId ? t("card.linking") : t("card.link")}
            </button>
          </li>
        ))}
      </ul>
      {linkError && <ErrorBox env={env} error={linkError} testId="lptw-link-error" />}
    </div>
  );
}
