// The condition tree of a rule: groups that match all or any of their items, nested up to the
// server's depth limit, and conditions whose field, comparison and value come from pickers.
import type { Signal } from "@preact/signals";
import type { RuleGroup, RuleInput } from "../../../worker/src/api-types";
import { t, type Key } from "../i18n";
import { Button } from "../ui/kit";
import { COLUMN_PREFIX, fieldFor, operatorsFor, valueForOperator, type FieldDef, type Label } from "./fields";
import { addItem, isGroup, MAX_GROUP_DEPTH, NO_VALUE_OPS, parseList, removeItem, replaceItem, updateGroup, type Path, type RuleCondition } from "./model";
import { OPERATOR_KEY } from "./describe";

const SECTION_KEY: Record<string, Key> = {
  source: "section.source",
  lead: "section.lead",
  contact: "section.contact",
  amo: "section.amo",
  custom: "section.custom",
  file: "section.file",
  other: "section.other",
};

export interface EditorContext {
  rule: Signal<RuleInput>;
  fields: FieldDef[];
  columns: boolean;
  label: Label;
}

function setConditions(ctx: EditorContext, conditions: RuleGroup) {
  ctx.rule.value = { ...ctx.rule.value, conditions };
}

export interface ValueInputProps {
  field: FieldDef;
  cond: RuleCondition;
  onValue: (v: RuleCondition["value"]) => void;
}

/** The value box that fits the field and comparison: a picker, checkboxes for "one of", or text. */
export function ValueInput({ field, cond, onValue }: ValueInputProps) {
  if (NO_VALUE_OPS.includes(cond.op)) return null;
  const choices = field.kind === "choice" ? (field.choices ?? []) : null;
  const toValue = (raw: string) => (field.numeric ? Number(raw) : raw);
  if (choices && cond.op === "in") {
    const current = Array.isArray(cond.value) ? cond.value : [];
    const extra = current.filter((v) => !choices.some((c) => String(c.value) === String(v)));
    return (
      <fieldset class="checks" data-testid="cond-value">
        <legend class="sr-only">{t("rules.valueList")}</legend>
        {[...choices, ...extra.map((v) => ({ value: v, label: `#${v}`, group: undefined }))].map((c) => {
          const on = current.some((v) => String(v) === String(c.value));
          return (
            <label key={String(c.value)} class="check">
              <input
                type="checkbox"
                checked={on}
                onChange={() => onValue(on ? current.filter((v) => String(v) !== String(c.value)) : [...current, c.value])}
              />
              <span>{c.group ? `${c.group} → ${c.label}` : c.label}</span>
            </label>
          );
        })}
        {choices.length === 0 ? <span class="small muted">{t("rules.noChoices")}</span> : null}
      </fieldset>
    );
  }
  if (choices) {
    const value = cond.value === undefined || Array.isArray(cond.value) ? "" : String(cond.value);
    const known = value === "" || choices.some((c) => String(c.value) === value);
    const groups = [...new Set(choices.map((c) => c.group ?? ""))];
    return (
      <select class="input" value={value} onChange={(e) => onValue(toValue((e.target as HTMLSelectElement).value))} aria-label={t("rules.value")} data-testid="cond-value">
        <option value="" disabled>
          {choices.length ? t("rules.choose") : t("rules.noChoices")}
        </option>
        {!known ? <option value={value}>{`#${value} (${t("rules.missing")})`}</option> : null}
        {groups.map((g) => {
          const opts = choices
            .filter((c) => (c.group ?? "") === g)
            .map((c) => (
              <option key={String(c.value)} value={String(c.value)}>
                {c.label}
              </option>
            ));
          return g ? (
            <optgroup key={g} label={g}>
              {opts}
            </optgroup>
          ) : (
            opts
          );
        })}
      </select>
    );
  }
  if (cond.op === "in") {
    const text = Array.isArray(cond.value) ? cond.value.join(", ") : String(cond.value ?? "");
    return (
      <input
        class="input"
        value={text}
        placeholder={t("rules.listPlaceholder")}
        aria-label={t("rules.valueList")}
        onChange={(e) => onValue(parseList((e.target as HTMLInputElement).value, field.kind === "number"))}
        data-testid="cond-value"
      />
    );
  }
  const text = cond.value === undefined ? "" : String(cond.value);
  if (field.kind === "number") {
    return (
      <input
        class="input"
        type="number"
        inputMode="decimal"
        value={text}
        aria-label={t("rules.value")}
        placeholder="0"
        onInput={(e) => {
          const raw = (e.target as HTMLInputElement).value;
          onValue(raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw);
        }}
        data-testid="cond-value"
      />
    );
  }
  return (
    <input
      class="input"
      type="text"
      value={text}
      aria-label={t("rules.value")}
      placeholder={t("rules.textPlaceholder")}
      onInput={(e) => onValue((e.target as HTMLInputElement).value)}
      data-testid="cond-value"
    />
  );
}

export interface ConditionRowProps {
  ctx: EditorContext;
  path: Path;
  index: number;
  cond: RuleCondition;
}

export function ConditionRow({ ctx, path, index, cond }: ConditionRowProps) {
  const trigger = ctx.rule.value.trigger;
  const isColumn = cond.field.startsWith(COLUMN_PREFIX);
  const field = fieldFor(cond.field, ctx.fields, ctx.label);
  const ops = operatorsFor(field, trigger);
  const update = (next: RuleCondition) => setConditions(ctx, replaceItem(ctx.rule.value.conditions, path, index, next));
  const sections = [...new Set(ctx.fields.map((f) => f.section))];
  const known = ctx.fields.some((f) => f.path === cond.field);
  const pickerValue = isColumn ? COLUMN_PREFIX : cond.field;

  const chooseField = (path: string) => {
    const f = fieldFor(path, ctx.fields, ctx.label);
    const allowed = operatorsFor(f, trigger);
    const op = allowed.includes(cond.op) ? cond.op : allowed[0]!;
    update({ field: path, op, value: valueForOperator(op === "in" ? [] : "", op) });
  };

  return (
    <div class="cond" data-testid="condition">
      <select class="input" value={pickerValue} aria-label={t("rules.field")} onChange={(e) => chooseField((e.target as HTMLSelectElement).value)} data-testid="cond-field">
        <option value="" disabled>
          {t("rules.chooseField")}
        </option>
        {!known && !isColumn && cond.field ? <option value={cond.field}>{field.label}</option> : null}
        {sections.map((s) => (
          <optgroup key={s} label={t(SECTION_KEY[s] ?? "section.other")}>
            {ctx.fields
              .filter((f) => f.section === s)
              .map((f) => (
                <option key={f.path} value={f.path}>
                  {f.label}
                </option>
              ))}
          </optgroup>
        ))}
        {ctx.columns ? <option value={COLUMN_PREFIX}>{t("rules.fileColumn")}</option> : null}
      </select>
      {isColumn ? (
        <input
          class="input"
          value={cond.field.slice(COLUMN_PREFIX.length)}
          placeholder={t("rules.columnPlaceholder")}
          aria-label={t("rules.columnName")}
          onInput={(e) => update({ ...cond, field: `${COLUMN_PREFIX}${(e.target as HTMLInputElement).value}` })}
          data-testid="cond-column"
        />
      ) : null}
      <select
        class="input"
        value={cond.op}
        aria-label={t("rules.operator")}
        onChange={(e) => {
          const op = (e.target as HTMLSelectElement).value as RuleCondition["op"];
          update({ ...cond, op, value: valueForOperator(cond.value, op) });
        }}
        data-testid="cond-op"
      >
        {(ops.includes(cond.op) ? ops : [cond.op, ...ops]).map((op) => (
          <option key={op} value={op}>
            {t(OPERATOR_KEY[op])}
          </option>
        ))}
      </select>
      <ValueInput field={field} cond={cond} onValue={(value) => update({ ...cond, value })} />
      <Button small variant="ghost" class="icon" aria-label={t("rules.removeCondition")} onClick={() => setConditions(ctx, removeItem(ctx.rule.value.conditions, path, index))} data-testid="cond-remove">
        ✕
      </Button>
    </div>
  );
}

export interface GroupEditorProps {
  ctx: EditorContext;
  path: Path;
  group: RuleGroup;
  onRemove?: () => void;
}

export function GroupEditor({ ctx, path, group, onRemove }: GroupEditorProps) {
  const depth = path.length + 1;
  const first = ctx.fields[0];
  const newCondition = (): RuleCondition => ({ field: first?.path ?? (ctx.columns ? COLUMN_PREFIX : ""), op: first ? operatorsFor(first, ctx.rule.value.trigger)[0]! : "eq", value: "" });
  return (
    <div class={`group depth-${Math.min(depth, 5)}`} data-testid="group">
      <div class="group-head">
        <label class="inline">
          <span>{t("rules.matchPrefix")}</span>
          <select
            class="input input-inline"
            value={group.match}
            onChange={(e) => setConditions(ctx, updateGroup(ctx.rule.value.conditions, path, (g) => ({ ...g, match: (e.target as HTMLSelectElement).value as RuleGroup["match"] })))}
            data-testid="group-match"
          >
            <option value="all">{t("rules.matchAll")}</option>
            <option value="any">{t("rules.matchAny")}</option>
          </select>
          <span>{t("rules.matchSuffix")}</span>
        </label>
        {onRemove ? (
          <Button small variant="ghost" onClick={onRemove} data-testid="group-remove">
            {t("rules.removeGroup")}
          </Button>
        ) : null}
      </div>
      {group.items.length === 0 ? <p class="small muted">{path.length ? t("rules.emptyGroup") : t("rules.noConditions")}</p> : null}
      {group.items.map((item, i) =>
        isGroup(item) ? (
          <GroupEditor key={i} ctx={ctx} path={[...path, i]} group={item} onRemove={() => setConditions(ctx, removeItem(ctx.rule.value.conditions, path, i))} />
        ) : (
          <ConditionRow key={i} ctx={ctx} path={path} index={i} cond={item} />
        ),
      )}
      <div class="group-add">
        <Button small onClick={() => setConditions(ctx, addItem(ctx.rule.value.conditions, path, newCondition()))} data-testid="add-condition">
          + {t("rules.addCondition")}
        </Button>
        {depth < MAX_GROUP_DEPTH ? (
          <Button small variant="ghost" onClick={() => setConditions(ctx, addItem(ctx.rule.value.conditions, path, { match: "any", items: [newCondition()] }))} data-testid="add-group">
            + {t("rules.addGroup")}
          </Button>
        ) : null}
      </div>
    </div>
  );
}
