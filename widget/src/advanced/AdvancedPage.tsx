// The advanced settings page: per LPTracker project, the field mapping, the stage map and the lead
// policy (repeat requests, who gets the lead), with save,
// «Обновить поля amoCRM» and the link to the admin page.
import { Fragment, h } from "preact";
import { useEffect, useMemo } from "preact/hooks";
import type { AmoMetadata } from "../../../worker/src/api-types";
import type { WidgetEnv } from "../env";
import { formatWhen } from "../format";
import { ErrorBox, Loading, Notice, SupportLine } from "../ui";
import { createAdvancedStore, type AdvancedStore, type ProjectData } from "./advanced-store";
import { RowEditor } from "./RowEditor";
import { StageMap } from "./StageMap";
import { UnsortedSetting } from "./UnsortedSetting";
import { LeadPolicy } from "./LeadPolicy";

export interface AdvancedPageProps {
  env: WidgetEnv;
  consent: boolean;
}

export function AdvancedPage({ env, consent }: AdvancedPageProps) {
  const { t } = env;
  const store = useMemo(() => createAdvancedStore(env), [env]);
  useEffect(() => {
    if (consent) void store.init();
    return store.dispose;
  }, [store, consent]);

  return (
    <div class="lptw-advanced" data-testid="lptw-advanced">
      <h2 class="lptw-title">{t("mapping.title")}</h2>
      {!consent ? (
        <Notice tone="warn" title={t("card.no_consent_title")} testId="lptw-no-consent">
          {t("mapping.no_consent")}
        </Notice>
      ) : (
        <Body env={env} store={store} />
      )}
      <SupportLine env={env} />
    </div>
  );
}

function Body({ env, store }: { env: WidgetEnv; store: AdvancedStore }) {
  const { t } = env;
  const page = store.page.value;
  const meta = store.meta.value;
  if (page.kind === "loading") return <Loading text={t("common.loading")} />;
  if (page.kind === "error") return <ErrorBox env={env} error={page.error} onRetry={() => void store.init()} />;
  const { me, projects } = page.value;
  const readOnly = !me.is_admin;
  return (
    <>
      <p class="lptw-lead-text">{t("mapping.intro")}</p>
      <Toolbar env={env} store={store} meta={meta} readOnly={readOnly} />
      {readOnly && <Notice tone="warn">{t("mapping.read_only")}</Notice>}
      {projects.length === 0 ? (
        <Notice tone="warn" title={t("mapping.no_projects_title")} testId="lptw-no-projects">
          {t("mapping.no_projects")}
        </Notice>
      ) : (
        <>
          {projects.length > 1 && (
            <div class="lptw-tabs" role="tablist">
              {projects.map((p) => (
                <button
                  key={p.id}
                  type="button"
                  role="tab"
                  aria-selected={store.projectId.value === p.id}
                  class={`lptw-tab${store.projectId.value === p.id ? " lptw-tab--active" : ""}`}
                  onClick={() => void store.selectProject(p.id)}
                  data-testid={`lptw-project-tab-${p.id}`}
                >
                  {p.name}
                </button>
              ))}
            </div>
          )}
          {projects.length === 1 && <div class="lptw-muted">{t("mapping.project", { name: projects[0]!.name })}</div>}
          {meta && <ProjectEditor env={env} store={store} meta={meta} readOnly={readOnly} />}
        </>
      )}
    </>
  );
}

function Toolbar({ env, store, meta, readOnly }: { env: WidgetEnv; store: AdvancedStore; meta: AmoMetadata | null; readOnly: boolean }) {
  const { t } = env;
  return (
    <div class="lptw-toolbar">
      <button type="button" class="lptw-btn" disabled={readOnly || store.refreshing.value} onClick={() => void store.refreshMetadata()} data-testid="lptw-refresh-meta">
        {store.refreshing.value ? t("mapping.refreshing") : t("mapping.refresh")}
      </button>
      <button type="button" class="lptw-btn" disabled={readOnly || store.adminBusy.value} onClick={() => void store.openAdmin()} data-testid="lptw-open-admin">
        {t("mapping.open_admin")} ↗
      </button>
      {meta && <span class="lptw-small lptw-muted">{t("mapping.meta_fetched", { when: formatWhen(meta.fetchedAt, { lang: env.lang, now: env.now() }, t) })}</span>}
      {store.refreshError.value && <ErrorBox env={env} error={store.refreshError.value} testId="lptw-refresh-error" />}
      {store.adminError.value && <ErrorBox env={env} error={store.adminError.value} testId="lptw-admin-error" />}
    </div>
  );
}

function ProjectEditor({ env, store, meta, readOnly }: { env: WidgetEnv; store: AdvancedStore; meta: AmoMetadata; readOnly: boolean }) {
  const { t } = env;
  const project = store.project.value;
  if (!project || project.kind === "loading") return <Loading text={t("common.loading")} />;
  if (project.kind === "error") return <ErrorBox env={env} error={project.error} onRetry={() => store.projectId.value !== null && void store.selectProject(store.projectId.value)} />;
  const data: ProjectData = project.value;
  const rows = store.rows.value;
  return (
    <div class="lptw-project" data-testid="lptw-project">
      <h3 class="lptw-subtitle">{t("mapping.fields_title")}</h3>
      {data.isDefault && <Notice testId="lptw-default-mapping">{t("mapping.is_default")}</Notice>}
      <div class="lptw-maprow lptw-maprow--head" aria-hidden="true">
        <div class="lptw-maprow__main lptw-small lptw-muted">
          <span>{t("mapping.col_source")}</span>
          <span class="lptw-arrow" />
          <span>{t("mapping.col_target")}</span>
          <span>{t("mapping.col_transform")}</span>
        </div>
      </div>
      {rows.map((row) => (
        <RowEditor
          key={row.id}
          env={env}
          row={row}
          meta={meta}
          schema={data.schema}
          readOnly={readOnly}
          onChange={(next) => store.updateRow(row.id, next)}
          onRemove={() => store.removeRow(row.id)}
        />
      ))}
      {!readOnly && (
        <button type="button" class="lptw-btn lptw-btn--ghost" onClick={store.addRow} data-testid="lptw-map-add">
          + {t("mapping.add_row")}
        </button>
      )}

      <h3 class="lptw-subtitle">{t("mapping.stages_title")}</h3>
      <p class="lptw-small lptw-muted">{t("mapping.stages_hint")}</p>
      <StageMap env={env} store={store} meta={meta} schema={data.schema} readOnly={readOnly} />

      {!readOnly && (
        <div class="lptw-savebar">
          <button type="button" class="lptw-btn lptw-btn--primary" disabled={store.saving.value} onClick={() => void store.save()} data-testid="lptw-map-save">
            {store.saving.value ? t("common.saving") : t("common.save")}
          </button>
          {store.dirty.value && !store.saving.value && <span class="lptw-small lptw-muted">{t("mapping.unsaved")}</span>}
          {store.saved.value && (
            <span class="lptw-small lptw-tone--ok" data-testid="lptw-map-saved" role="status">
              {t("mapping.saved")}
            </span>
          )}
          {data.updatedAt !== null && !store.dirty.value && !store.saved.value && (
            <span class="lptw-small lptw-muted">{t("mapping.updated_at", { when: formatWhen(data.updatedAt, { lang: env.lang, now: env.now() }, t) })}</span>
          )}
        </div>
      )}
      {store.saveError.value && <ErrorBox env={env} error={store.saveError.value} testId="lptw-map-save-error" />}

      {store.projectId.value !== null && <UnsortedSetting key={store.projectId.value} env={env} projectId={store.projectId.value} meta={meta} readOnly={readOnly} />}
      {store.projectId.value !== null && <LeadPolicy env={env} projectId={store.projectId.value} meta={meta} schema={data.schema} readOnly={readOnly} />}
    </div>
  );
}
