// Value map of a list field: which amoCRM option each LPTracker value becomes. Values LPTracker
// knows (list options, stages) are offered as lines; others are typed in, options are always picked.
import { h } from "preact";
import { useState } from "preact/hooks";
import type { AmoCustomField } from "../../../worker/src/sync/types";
import type { Transform } from "../../../worker/src/sync/types";
import type { WidgetEnv } from "../env";
import { Picker } from "./Picker";

type EnumMap = Extract<Transform, { kind: "enum_map" }>;

export interface ValueMapProps {
  env: WidgetEnv;
  transform: EnumMap;
  field: AmoCustomField;
  knownValues: string[];
  disabled?: boolean;
  onChange: (next: EnumMap) => void;
}

export function ValueMap({ env, transform, field, knownValues, disabled, onChange }: ValueMapProps) {
  const { t } = env;
  const [draft, setDraft] = useState("");
  const options = [{ label: "", options: (field.enums ?? []).map((e) => ({ value: String(e.id), label: e.value })) }];
  const keys = [...knownValues, ...Object.keys(transform.map).filter((k) => !knownValues.some((v) => v.toLowerCase() === k.toLowerCase()))];
  const mapped = (value: string) => {
    const hit = Object.keys(transform.map).find((k) => k.toLowerCase() === value.toLowerCase());
    return hit === undefined ? "" : String(transform.map[hit]);
  };

  const set = (value: string, option: string) => {
    const map: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(transform.map)) if (k.toLowerCase() !== value.toLowerCase()) map[k] = v;
    if (option) map[value] = Number(option);
    onChange({ ...transform, map });
  };

  const setFallback = (option: string) => {
    const next: EnumMap = { kind: "enum_map", map: transform.map };
    if (option) next.fallback = Number(option);
    onChange(next);
  };

  return (
    <div class="lptw-valuemap" data-testid="lptw-valuemap">
      <div class="lptw-small lptw-muted">{t("mapping.valuemap_hint")}</div>
      {keys.map((value) => (
        <div key={value} class="lptw-valuemap__line">
          <span class="lptw-valuemap__from">{value}</span>
          <span class="lptw-arrow" aria-hidden="true">→</span>
          <Picker
            value={mapped(value)}
            groups={options}
            placeholder={t("mapping.valuemap_skip")}
            missingLabel={t("mapping.option_gone", { id: mapped(value) })}
            disabled={disabled}
            onChange={(v) => set(value, v)}
            testId="lptw-valuemap-option"
            ariaLabel={value}
          />
        </div>
      ))}
      {!disabled && (
        <div class="lptw-valuemap__line">
          <input
            class="lptw-input"
            placeholder={t("mapping.valuemap_new")}
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            data-testid="lptw-valuemap-new"
          />
          <span class="lptw-arrow" aria-hidden="true">→</span>
          <Picker
            value=""
            groups={options}
            placeholder={t("mapping.valuemap_pick")}
            disabled={!draft.trim()}
            onChange={(v) => {
              if (!draft.trim() || !v) return;
              set(draft.trim(), v);
              setDraft("");
            }}
            testId="lptw-valuemap-new-option"
          />
        </div>
      )}
      <div class="lptw-valuemap__line">
        <span class="lptw-valuemap__from lptw-muted">{t("mapping.valuemap_fallback")}</span>
        <span class="lptw-arrow" aria-hidden="true">→</span>
        <Picker
          value={transform.fallback === undefined ? "" : String(transform.fallback)}
          groups={options}
          placeholder={t("mapping.valuemap_skip")}
          missingLabel={t("mapping.option_gone", { id: String(transform.fallback ?? "") })}
          disabled={disabled}
          onChange={setFallback}
        />
      </div>
    </div>
  );
}
