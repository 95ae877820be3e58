// One mapping row: LPTracker value → amoCRM field, the conversion and what the conversion needs
// (phone type, value map, separator, fixed value). A row that cannot work is red with the reason.
import { h } from "preact";
import type { AmoMetadata, LptProjectSchema, MappingRowView } from "../../../worker/src/api-types";
import type { MappingRow, Transform } from "../../../worker/src/sync/types";
import type { WidgetEnv } from "../env";
import {
  knownSourceValues,
  multitextCodes,
  parseTargetKey,
  retarget,
  rowProblem,
  sourceLabel,
  sourceOptions,
  switchTransform,
  targetField,
  targetKey,
  targetKind,
  targetOptions,
  transformKinds,
  type TransformKind,
} from "../mapping-model";
import { Picker } from "./Picker";
import { ValueMap } from "./ValueMap";

export interface RowEditorProps {
  env: WidgetEnv;
  row: MappingRowView;
  meta: AmoMetadata;
  schema: LptProjectSchema | null;
  readOnly: boolean;
  onChange: (next: MappingRow) => void;
  onRemove: () => void;
}

export function RowEditor({ env, row, meta, schema, readOnly, onChange, onRemove }: RowEditorProps) {
  const { t } = env;
  const problem = rowProblem(row, meta, t);
  const kind = targetKind(row.target, meta);
  const field = targetField(row.target, meta);
  const kinds = transformKinds(kind);
  if (!kinds.includes(row.transform.kind)) kinds.push(row.transform.kind);
  const isConstant = row.transform.kind === "constant";

  const setTransform = (transform: Transform) => onChange({ ...row, transform });

  return (
    <div class={`lptw-maprow${problem ? " lptw-maprow--broken" : ""}`} data-testid="lptw-maprow" data-row-id={row.id}>
      <div class="lptw-maprow__main">
        {isConstant ? (
          <span class="lptw-maprow__fixed lptw-muted">{t("mapping.fixed_source")}</span>
        ) : (
          <Picker
            value={row.source}
            groups={sourceOptions(schema, t)}
            placeholder={t("mapping.pick_source")}
            missingLabel={sourceLabel(row.source, schema, t)}
            disabled={readOnly}
            invalid={!row.source}
            onChange={(source) => onChange({ ...row, source })}
            testId="lptw-map-source"
            ariaLabel={t("mapping.col_source")}
          />
        )}
        <span class="lptw-arrow" aria-hidden="true">→</span>
        <Picker
          value={targetKey(row.target)}
          groups={targetOptions(meta, t)}
          placeholder={t("mapping.pick_target")}
          missingLabel={t("mapping.field_gone_label", { id: row.target.fieldId ?? "" })}
          disabled={readOnly}
          invalid={kind === "missing"}
          onChange={(key) => {
            const target = parseTargetKey(key);
            if (target) onChange(retarget(row, target, meta));
          }}
          testId="lptw-map-target"
          ariaLabel={t("mapping.col_target")}
        />
        <Picker
          value={row.transform.kind}
          groups={[{ label: "", options: kinds.map((k) => ({ value: k, label: t(`mapping.transform.${k}`) })) }]}
          disabled={readOnly}
          onChange={(k) => setTransform(switchTransform(row.transform, k as TransformKind))}
          testId="lptw-map-transform"
          ariaLabel={t("mapping.col_transform")}
        />
        {!readOnly && (
          <button type="button" class="lptw-icon-btn" title={t("common.delete")} aria-label={t("common.delete")} onClick={onRemove} data-testid="lptw-map-remove">
            ×
          </button>
        )}
      </div>
      <RowExtras env={env} row={row} meta={meta} schema={schema} readOnly={readOnly} onChange={onChange} kind={kind} field={field} />
      {problem && (
        <div class="lptw-maprow__problem" data-testid="lptw-map-problem">
          {problem}
        </div>
      )}
    </div>
  );
}

function RowExtras({
  env,
  row,
  meta,
  schema,
  readOnly,
  onChange,
  kind,
  field,
}: Omit<RowEditorProps, "onRemove"> & { kind: ReturnType<typeof targetKind>; field: ReturnType<typeof targetField> }) {
  const { t } = env;
  const tr = row.transform;
  const parts = [];
  if (kind === "multitext" && (row.target.field === "phone" || row.target.field === "email" || field?.code)) {
    const codes = multitextCodes(meta, row.target);
    parts.push(
      <label class="lptw-inline" key="code">
        <span class="lptw-small lptw-muted">{t("mapping.enum_code_label")}</span>
        <Picker
          value={row.target.enumCode ?? codes[0] ?? ""}
          groups={[{ label: "", options: codes.map((c) => ({ value: c, label: t(`mapping.enum_code.${c}`) === `mapping.enum_code.${c}` ? c : t(`mapping.enum_code.${c}`) })) }]}
          disabled={readOnly}
          onChange={(enumCode) => onChange({ ...row, target: { ...row.target, enumCode } })}
        />
      </label>,
    );
  }
  if (tr.kind === "enum_map" && field && (kind === "enum" || kind === "multienum")) {
    parts.push(<ValueMap key="map" env={env} transform={tr} field={field} knownValues={knownSourceValues(row.source, schema)} disabled={readOnly} onChange={(next) => onChange({ ...row, transform: next })} />);
  }
  if (tr.kind === "join") {
    parts.push(
      <label class="lptw-inline" key="join">
        <span class="lptw-small lptw-muted">{t("mapping.separator")}</span>
        <input class="lptw-input lptw-input--short" value={tr.separator} disabled={readOnly} maxLength={10} onInput={(e) => onChange({ ...row, transform: { kind: "join", separator: e.currentTarget.value } })} />
      </label>,
    );
  }
  if (tr.kind === "constant") {
    parts.push(<ConstantInput key="const" env={env} value={tr.value} kind={kind} field={field} meta={meta} readOnly={readOnly} onChange={(value) => onChange({ ...row, transform: { kind: "constant", value } })} />);
  }
  return parts.length ? <div class="lptw-maprow__extras">{parts}</div> : null;
}

function ConstantInput({
  env,
  value,
  kind,
  field,
  meta,
  readOnly,
  onChange,
}: {
  env: WidgetEnv;
  value: string | number;
  kind: ReturnType<typeof targetKind>;
  field: ReturnType<typeof targetField>;
  meta: AmoMetadata;
  readOnly: boolean;
  onChange: (v: string | number) => void;
}) {
  const { t } = env;
  const label = <span class="lptw-small lptw-muted">{t("mapping.constant_value")}</span>;
  if ((kind === "enum" || kind === "multienum") && field) {
    const groups = [{ label: "", options: (field.enums ?? []).map((e) => ({ value: String(e.id), label: e.value })) }];
    return (
      <label class="lptw-inline">
        {label}
        <Picker value={String(value)} groups={groups} placeholder={t("mapping.valuemap_pick")} missingLabel={String(value)} disabled={readOnly} onChange={(v) => onChange(Number(v))} testId="lptw-map-constant" />
      </label>
    );
  }
  if (kind === "user") {
    const groups = [{ label: "", options: meta.users.map((u) => ({ value: String(u.id), label: u.name })) }];
    return (
      <label class="lptw-inline">
        {label}
        <Picker value={String(value)} groups={groups} placeholder={t("mapping.pick_user")} missingLabel={t("mapping.user_gone_label", { id: String(value) })} disabled={readOnly} onChange={(v) => onChange(Number(v))} testId="lptw-map-constant" />
      </label>
    );
  }
  if (kind === "checkbox") {
    const groups = [{ label: "", options: [{ value: "1", label: t("common.yes") }, { value: "0", label: t("common.no") }] }];
    return (
      <label class="lptw-inline">
        {label}
        <Picker value={String(value)} groups={groups} placeholder="" disabled={readOnly} onChange={(v) => onChange(v)} testId="lptw-map-constant" />
      </label>
    );
  }
  return (
    <label class="lptw-inline">
      {label}
      <input class="lptw-input" value={String(value)} disabled={readOnly} maxLength={1000} onInput={(e) => onChange(e.currentTarget.value)} data-testid="lptw-map-constant" />
    </label>
  );
}
