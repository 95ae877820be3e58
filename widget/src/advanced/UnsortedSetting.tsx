// Per project: new LPTracker leads go straight into a pipeline, or to amoCRM's incoming leads
// («Неразобранное») of a chosen pipeline. Saved on its own, apart from the mapping.
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AmoMetadata } from "../../../worker/src/api-types";
import type { WidgetEnv } from "../env";
import { describeError, type ErrorView } from "../problem";
import { ErrorBox, Loading } from "../ui";
import { Picker } from "./Picker";

export interface UnsortedSettingProps {
  env: WidgetEnv;
  projectId: number;
  meta: AmoMetadata;
  readOnly: boolean;
}

interface State {
  loading: boolean;
  value: string;
  saved: boolean;
  saving: boolean;
  error: ErrorView | null;
}

const PIPELINE = "pipeline";

export function UnsortedSetting({ env, projectId, meta, readOnly }: UnsortedSettingProps) {
  const { t } = env;
  const [s, setState] = useState<State>({ loading: true, value: PIPELINE, saved: false, saving: false, error: null });
  const set = (patch: Partial<State>) => setState((prev) => ({ ...prev, ...patch }));

  useEffect(() => {
    let live = true;
    set({ loading: true, error: null, saved: false });
    env.api
      .unsortedSetting(projectId)
      .then((r) => live && set({ loading: false, value: r.pipelineId === null ? PIPELINE : String(r.pipelineId) }))
      .catch((err: unknown) => live && set({ loading: false, error: describeError(err, env.lang, t) }));
    return () => {
      live = false;
    };
  }, [projectId]);

  const save = async () => {
    set({ saving: true, saved: false, error: null });
    try {
      const r = await env.api.saveUnsortedSetting(projectId, s.value === PIPELINE ? null : Number(s.value));
      set({ saving: false, saved: true, value: r.pipelineId === null ? PIPELINE : String(r.pipelineId) });
    } catch (err) {
      set({ saving: false, error: describeError(err, env.lang, t) });
    }
  };

  const groups = [
    { label: "", options: [{ value: PIPELINE, label: t("unsorted.pipeline_option") }, ...meta.pipelines.map((p) => ({ value: String(p.id), label: t("unsorted.unsorted_option", { name: p.name }) }))] },
  ];
  return (
    <div class="lptw-unsorted" data-testid="lptw-unsorted">
      <h3 class="lptw-subtitle">{t("unsorted.title")}</h3>
      <p class="lptw-small lptw-muted">{t("unsorted.hint")}</p>
      {s.loading ? (
        <Loading text={t("common.loading")} />
      ) : (
        <div class="lptw-savebar">
          <Picker
            value={s.value}
            groups={groups}
            missingLabel={t("unsorted.pipeline_gone")}
            disabled={readOnly || s.saving}
            ariaLabel={t("unsorted.label")}
            testId="lptw-unsorted-select"
            onChange={(v) => set({ value: v, saved: false })}
          />
          {!readOnly && (
            <button type="button" class="lptw-btn" disabled={s.saving} onClick={() => void save()} data-testid="lptw-unsorted-save">
              {s.saving ? t("common.saving") : t("common.save")}
            </button>
          )}
          {s.saved && (
            <span class="lptw-small lptw-tone--ok" role="status" data-testid="lptw-unsorted-saved">
              {t("unsorted.saved")}
            </span>
          )}
        </div>
      )}
      {s.error && <ErrorBox env={env} error={s.error} testId="lptw-unsorted-error" />}
    </div>
  );
}
