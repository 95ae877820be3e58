// The actions of a rule, in order: the kinds the trigger allows, each with pickers for pipelines,
// statuses, users, task types and LPTracker stages from the account's own data.
import { useSignal, type Signal } from "@preact/signals";
import type { AmoMetadata, LptProjectSchema, RuleAction, RuleInput } from "../../../worker/src/api-types";
import { t } from "../i18n";
import { Button, Field } from "../ui/kit";
import { allowedActions, move, newAction, parseTags, type ActionType } from "./model";
import { ACTION_KEY } from "./describe";

export interface PickerProps {
  value: number;
  options: { value: number; label: string; group?: string }[];
  onPick: (id: number) => void;
  label: string;
  testid: string;
}

/** An id picker; an id the account no longer has stays visible as "#id (missing)" rather than vanishing. */
export function Picker({ value, options, onPick, label, testid }: PickerProps) {
  const known = !value || options.some((o) => o.value === value);
  const groups = [...new Set(options.map((o) => o.group ?? ""))];
  const render = (list: typeof options) =>
    list.map((o) => (
      <option key={o.value} value={String(o.value)}>
        {o.label}
      </option>
    ));
  return (
    <Field label={label}>
      <select class="input" value={value ? String(value) : ""} onChange={(e) => onPick(Number((e.target as HTMLSelectElement).value))} data-testid={testid}>
        <option value="" disabled>
          {options.length ? t("rules.choose") : t("rules.noChoices")}
        </option>
        {!known ? <option value={String(value)}>{`#${value} (${t("rules.missing")})`}</option> : null}
        {groups.map((g) =>
          g ? (
            <optgroup key={g} label={g}>
              {render(options.filter((o) => o.group === g))}
            </optgroup>
          ) : (
            render(options.filter((o) => !o.group))
          ),
        )}
      </select>
    </Field>
  );
}

export interface ActionFieldsProps {
  action: RuleAction;
  meta: AmoMetadata | null;
  schemas: LptProjectSchema[];
  projectName: (id: number) => string;
  onChange: (a: RuleAction) => void;
}

export function ActionFields({ action: a, meta, schemas, projectName, onChange }: ActionFieldsProps) {
  const users = (meta?.users ?? []).map((u) => ({ value: u.id, label: u.name }));
  const tagsText = useSignal<string | null>(null);
  switch (a.type) {
    case "set_pipeline": {
      const pipeline = meta?.pipelines.find((p) => p.id === a.pipelineId);
      return (
        <div class="action-fields">
          <Picker
            label={t("rules.pipeline")}
            value={a.pipelineId}
            options={(meta?.pipelines ?? []).map((p) => ({ value: p.id, label: p.name }))}
            onPick={(pipelineId) => onChange({ ...a, pipelineId, statusId: 0 })}
            testid="action-pipeline"
          />
          <Picker
            label={t("rules.status")}
            value={a.statusId}
            options={(pipeline?.statuses ?? []).map((s) => ({ value: s.id, label: s.name }))}
            onPick={(statusId) => onChange({ ...a, statusId })}
            testid="action-status"
          />
        </div>
      );
    }
    case "set_responsible":
      return <Picker label={t("rules.user")} value={a.userId} options={users} onPick={(userId) => onChange({ ...a, userId })} testid="action-user" />;
    case "add_tags":
      return (
        <Field label={t("rules.tags")} hint={t("rules.tagsHint")}>
          <input
            class="input"
            value={tagsText.value ?? a.tags.join(", ")}
            onInput={(e) => {
              const raw = (e.target as HTMLInputElement).value;
              tagsText.value = raw;
              onChange({ ...a, tags: parseTags(raw) });
            }}
            data-testid="action-tags"
          />
        </Field>
      );
    case "add_note":
      return (
        <Field label={t("rules.noteText")}>
          <textarea class="input" rows={3} value={a.text} onInput={(e) => onChange({ ...a, text: (e.target as HTMLTextAreaElement).value })} data-testid="action-text" />
        </Field>
      );
    case "create_task":
      return (
        <div class="action-fields">
          <Field label={t("rules.taskText")}>
            <input class="input" value={a.text} onInput={(e) => onChange({ ...a, text: (e.target as HTMLInputElement).value })} data-testid="action-text" />
          </Field>
          <Picker
            label={t("rules.taskType")}
            value={a.taskTypeId}
            options={(meta?.taskTypes ?? []).map((x) => ({ value: x.id, label: x.name }))}
            onPick={(taskTypeId) => onChange({ ...a, taskTypeId })}
            testid="action-task-type"
          />
          <Field label={t("rules.due")}>
            <input
              class="input"
              type="number"
              min={1}
              max={24 * 366}
              value={String(a.dueInHours)}
              onInput={(e) => onChange({ ...a, dueInHours: Number((e.target as HTMLInputElement).value) })}
              data-testid="action-due"
            />
          </Field>
          <Picker
            label={t("rules.taskUser")}
            value={a.responsibleUserId ?? 0}
            options={users}
            onPick={(id) => onChange({ ...a, responsibleUserId: id || undefined })}
            testid="action-task-user"
          />
        </div>
      );
    case "lpt_push":
      return (
        <Field label={t("rules.pushMode")}>
          <select class="input" value={a.mode} onChange={(e) => onChange({ ...a, mode: (e.target as HTMLSelectElement).value as "create" | "update" })} data-testid="action-mode">
            <option value="update">{t("rules.pushUpdate")}</option>
            <option value="create">{t("rules.pushCreate")}</option>
          </select>
        </Field>
      );
    case "lpt_set_stage":
      return (
        <Picker
          label={t("rules.stage")}
          value={a.stageId}
          options={schemas.flatMap((s) => s.stages.map((st) => ({ value: st.id, label: st.name, group: schemas.length > 1 ? projectName(s.projectId) : undefined })))}
          onPick={(stageId) => onChange({ ...a, stageId })}
          testid="action-stage"
        />
      );
    case "skip":
      return <p class="small muted">{t("rules.skipHint")}</p>;
    case "stop":
      return <p class="small muted">{t("rules.stopHint")}</p>;
    case "post_calls":
      return <p class="small muted">{t("rules.postCallsHint")}</p>;
  }
}

export interface ActionListProps {
  rule: Signal<RuleInput>;
  meta: AmoMetadata | null;
  schemas: LptProjectSchema[];
  projectName: (id: number) => string;
}

export function ActionList({ rule, meta, schemas, projectName }: ActionListProps) {
  const r = rule.value;
  const allowed = allowedActions(r.trigger);
  const setActions = (actions: RuleAction[]) => (rule.value = { ...rule.value, actions });
  return (
    <div class="actions-list">
      {r.actions.length === 0 ? <p class="small muted">{t("rules.noActions")}</p> : null}
      {r.actions.map((a, i) => (
        <div class="action" key={`${i}-${a.type}`} data-testid="action">
          <div class="action-head">
            <span class="action-num">{i + 1}.</span>
            <select
              class="input"
              value={a.type}
              aria-label={t("rules.actionType")}
              onChange={(e) => setActions(r.actions.map((x, j) => (j === i ? newAction((e.target as HTMLSelectElement).value as ActionType) : x)))}
              data-testid="action-type"
            >
              {allowed.map((type) => (
                <option key={type} value={type}>
                  {t(ACTION_KEY[type])}
                </option>
              ))}
            </select>
            <Button small variant="ghost" class="icon" disabled={i === 0} aria-label={t("rules.actionUp")} onClick={() => setActions(move(r.actions, i, -1))}>
              ↑
            </Button>
            <Button small variant="ghost" class="icon" disabled={i === r.actions.length - 1} aria-label={t("rules.actionDown")} onClick={() => setActions(move(r.actions, i, 1))}>
              ↓
            </Button>
            <Button small variant="ghost" class="icon" aria-label={t("rules.removeAction")} onClick={() => setActions(r.actions.filter((_, j) => j !== i))} data-testid="action-remove">
              ✕
            </Button>
          </div>
          <ActionFields action={a} meta={meta} schemas={schemas} projectName={projectName} onChange={(next) => setActions(r.actions.map((x, j) => (j === i ? next : x)))} />
        </div>
      ))}
      <Button small onClick={() => setActions([...r.actions, newAction(allowed.find((x) => x !== "skip" && x !== "stop") ?? allowed[0]!)])} data-testid="add-action">
        + {t("rules.addAction")}
      </Button>
    </div>
  );
}
