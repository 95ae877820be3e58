// The stage map: for each LPTracker stage, the amoCRM pipeline and status it matches and which way
// changes travel. Links to stages LPTracker no longer has stay visible so they can be removed.
import { h } from "preact";
import type { AmoMetadata, LptProjectSchema, StageMapEntry } from "../../../worker/src/api-types";
import type { WidgetEnv } from "../env";
import { stageMapIssues, statusOptions } from "../mapping-model";
import type { AdvancedStore } from "./advanced-store";
import { Picker } from "./Picker";

const DIRECTIONS: StageMapEntry["direction"][] = ["both", "to_amo", "to_lpt"];

export interface StageMapProps {
  env: WidgetEnv;
  store: AdvancedStore;
  meta: AmoMetadata;
  schema: LptProjectSchema;
  readOnly: boolean;
}

export function StageMap({ env, store, meta, schema, readOnly }: StageMapProps) {
  const { t } = env;
  const entries = store.stageMap.value;
  const issues = stageMapIssues(entries);
  const groups = statusOptions(meta);
  const known = new Set(schema.stages.map((s) => s.id));
  const orphans = entries.map((e, i) => ({ e, i })).filter(({ e }) => !known.has(e.lptStageId));

  const line = (name: string, lptStageId: number, index: number | null, entry: StageMapEntry | null, gone = false) => {
    const issue = index !== null ? issues.get(index) : undefined;
    return (
      <div key={`${lptStageId}-${index ?? "new"}`} class={`lptw-stage-line${issue || gone ? " lptw-maprow--broken" : ""}`} data-testid="lptw-stage-line">
        <span class="lptw-stage-line__name">{name}</span>
        <span class="lptw-arrow" aria-hidden="true">→</span>
        <Picker
          value={entry ? `${entry.amoPipelineId}:${entry.amoStatusId}` : ""}
          groups={groups}
          placeholder={t("mapping.stage_none")}
          missingLabel={t("mapping.status_gone")}
          disabled={readOnly}
          onChange={(v) => store.setStageLink(index, lptStageId, v)}
          testId="lptw-stage-status"
          ariaLabel={name}
        />
        {entry && index !== null && (
          <Picker
            value={entry.direction}
            groups={[{ label: "", options: DIRECTIONS.map((d) => ({ value: d, label: t(`mapping.direction.${d}`) })) }]}
            disabled={readOnly}
            onChange={(d) => store.setStageDirection(index, d as StageMapEntry["direction"])}
            testId="lptw-stage-direction"
          />
        )}
        {gone && index !== null && !readOnly && (
          <button type="button" class="lptw-icon-btn" aria-label={t("common.delete")} onClick={() => store.removeStageLink(index)}>
            ×
          </button>
        )}
        {issue && <div class="lptw-maprow__problem">{t(issue.key, issue.params)}</div>}
        {gone && <div class="lptw-maprow__problem">{t("mapping.stage_gone")}</div>}
      </div>
    );
  };

  return (
    <div class="lptw-stagemap" data-testid="lptw-stagemap">
      {schema.stages.map((stage) => {
        const mine = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.lptStageId === stage.id);
        if (mine.length === 0) return line(stage.name, stage.id, null, null);
        return mine.map(({ e, i }) => line(stage.name, stage.id, i, e));
      })}
      {orphans.map(({ e, i }) => line(t("mapping.stage_unknown", { id: e.lptStageId }), e.lptStageId, i, e, true))}
    </div>
  );
}
