// Creating or changing one rule: name, trigger, condition tree, actions, the checks before saving,
// a preview of the unsaved rule on recent events, the whole-chain dry run once it is saved, and its history.
import { useEffect } from "preact/hooks";
import { useComputed, useSignal } from "@preact/signals";
import type { ConditionIssue, Rule, RuleInput, RuleListResponse, RuleTrigger } from "../../../worker/src/api-types";
import { get, post, put } from "../api";
import { t, tn, type Key } from "../i18n";
import { navigate, Link } from "../router";
import { useLoad } from "../load";
import { lptInfo, loadMeta, metadata, metaError } from "../meta";
import { Button, Card, ErrorBox, Field, Loading } from "../ui/kit";
import { toast } from "../ui/toast";
import { emptyRule, toInput, TRIGGERS, validateRule, withTrigger, type Issue } from "./model";
import { acceptsColumns, fieldsFor, type Label } from "./fields";
import { GroupEditor, type EditorContext } from "./ConditionEditor";
import { ActionList } from "./ActionEditor";
import { DryRunPanel } from "./DryRunPanel";
import { PreviewPanel } from "./PreviewPanel";
import { HistoryPanel } from "./HistoryPanel";
import { issueText as conditionIssueText, problemIssues } from "./issues";
import { ACTION_KEY, TRIGGER_KEY, type Names } from "./describe";

const TRIGGER_HINT: Record<RuleTrigger, Key> = {
  "lpt.lead.created": "triggerHint.lptCreated",
  "lpt.lead.updated": "triggerHint.lptUpdated",
  "amo.lead.status_changed": "triggerHint.amoStatus",
  "amo.lead.updated": "triggerHint.amoUpdated",
  "import.row": "triggerHint.importRow",
};

const label: Label = (key) => t(key);

export interface RuleFormProps {
  initial: RuleInput;
  id: number | null;
  /** The saved rule's version and its problems against the account's fields, when it has any. */
  version?: number;
  flagged?: ConditionIssue[];
  onReload?: () => void;
}

export function RuleForm({ initial, id, version = 1, flagged = [], onReload }: RuleFormProps) {
  const rule = useSignal<RuleInput>(initial);
  const saved = useSignal<string>(JSON.stringify(initial));
  const issues = useSignal<Issue[]>([]);
  const saving = useSignal(false);
  const saveError = useSignal<unknown>(null);
  const savedVersion = useSignal(version);
  // A save is checked against the same catalogue, so a saved rule has no problems left.
  const flags = useSignal<ConditionIssue[]>(flagged);
  const dirty = useComputed(() => JSON.stringify(rule.value) !== saved.value);
  const r = rule.value;
  const names: Names = { meta: metadata.value, schemas: lptInfo.value?.schemas ?? [] };
  const projects = lptInfo.value?.projects ?? [];
  const projectName = (pid: number) => projects.find((p) => p.id === pid)?.name ?? `#${pid}`;
  const ctx: EditorContext = {
    rule,
    fields: fieldsFor(r.trigger, { meta: metadata.value, projects, schemas: lptInfo.value?.schemas ?? [] }, label),
    columns: acceptsColumns(r.trigger),
    label,
  };

  const save = async () => {
    const found = validateRule(rule.value);
    issues.value = found;
    if (found.length) return;
    saving.value = true;
    saveError.value = null;
    try {
      const body: RuleInput = { ...rule.value, name: rule.value.name.trim() };
      const res = id === null ? await post<Rule>("/api/admin/rules", body) : await put<Rule>(`/api/admin/rules/${id}`, { ...body, version: savedVersion.value });
      saved.value = JSON.stringify(rule.value);
      if (res?.version) savedVersion.value = res.version;
      flags.value = [];
      toast(t("rules.saved"));
      if (id === null && res?.id) navigate(`/admin/rules/${res.id}`, { replace: true });
    } catch (err) {
      saveError.value = err;
    } finally {
      saving.value = false;
    }
  };

  const issueText = (i: Issue) => {
    const m = /^actions\.(\d+)$/.exec(i.at);
    const where = m ? `${t("rules.actionN", { n: Number(m[1]) + 1 })}: ` : "";
    return where + t(`issue.${i.code}` as Key);
  };

  return (
    <form
      class="rule-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      {flags.value.length && !dirty.value ? (
        <div class="alert alert-bad" role="alert" data-testid="rule-flag">
          <p>
            <strong>{t("rules.flagged")}.</strong> {t("rules.flaggedHint")}
          </p>
          <ul>
            {flags.value.map((i, n) => (
              <li key={n}>{conditionIssueText(i, ctx.fields, label)}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <Card>
        <div class="form-grid">
          <Field label={t("rules.name")}>
            <input class="input" value={r.name} maxLength={100} placeholder={t("rules.namePlaceholder")} onInput={(e) => (rule.value = { ...rule.value, name: (e.target as HTMLInputElement).value })} data-testid="rule-name-input" />
          </Field>
          <Field label={t("rules.trigger")} hint={t(TRIGGER_HINT[r.trigger])}>
            <select
              class="input"
              value={r.trigger}
              onChange={(e) => {
                const next = withTrigger(rule.value, (e.target as HTMLSelectElement).value as RuleTrigger);
                rule.value = next.rule;
                if (next.dropped.length) toast(t("rules.dropped", { actions: next.dropped.map((x) => t(ACTION_KEY[x])).join(", ") }));
              }}
              data-testid="rule-trigger"
            >
              {TRIGGERS.map((x) => (
                <option key={x} value={x}>
                  {t(TRIGGER_KEY[x])}
                </option>
              ))}
            </select>
          </Field>
          <label class="check">
            <input type="checkbox" checked={r.enabled} onChange={() => (rule.value = { ...rule.value, enabled: !rule.value.enabled })} data-testid="rule-enabled" />
            <span>{t("rules.enabledLabel")}</span>
          </label>
        </div>
      </Card>
      <Card
        title={t("rules.conditionsTitle")}
        actions={
          <Button small variant="ghost" onClick={() => void loadMeta(true).then(() => toast(t("rules.metaRefreshed")))} data-testid="meta-refresh">
            {t("rules.refreshMeta")}
          </Button>
        }
      >
        {metaError.value ? <ErrorBox error={metaError.value} onRetry={() => void loadMeta(true)} /> : null}
        <GroupEditor ctx={ctx} path={[]} group={r.conditions} />
      </Card>
      <Card title={t("rules.actionsTitle")}>
        <ActionList rule={rule} meta={metadata.value} schemas={lptInfo.value?.schemas ?? []} projectName={projectName} />
      </Card>
      {issues.value.length ? (
        <div class="alert alert-bad" role="alert" data-testid="rule-issues">
          <p>{tn("rules.issues", issues.value.length)}</p>
          <ul>
            {issues.value.map((i, n) => (
              <li key={n}>{issueText(i)}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {problemIssues(saveError.value).length ? (
        <ul class="alert alert-bad" role="alert" data-testid="rule-save-issues">
          {problemIssues(saveError.value).map((i, n) => (
            <li key={n}>{conditionIssueText(i, ctx.fields, label)}</li>
          ))}
        </ul>
      ) : saveError.value ? (
        <ErrorBox error={saveError.value} />
      ) : null}
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={saving.value} data-testid="rule-save">
          {t("action.save")}
        </Button>
        <Link class="btn btn-ghost" href="/admin/rules">
          {dirty.value ? t("action.cancel") : t("rules.backToList")}
        </Link>
        {dirty.value ? <span class="small muted">{t("rules.unsaved")}</span> : null}
      </div>
      <PreviewPanel rule={rule} id={id} fields={ctx.fields} label={label} />
      {id !== null ? <DryRunPanel ruleId={id} trigger={r.trigger} names={names} dirty={dirty.value} fields={ctx.fields} label={label} /> : <p class="small muted">{t("dry.saveFirst")}</p>}
      {id !== null ? <HistoryPanel ruleId={id} names={names} version={savedVersion.value} onRestored={() => onReload?.()} /> : null}
    </form>
  );
}

export interface RuleEditorPageProps {
  id: number | "new";
}

export function RuleEditorPage({ id }: RuleEditorPageProps) {
  useEffect(() => {
    void loadMeta();
  }, []);
  // The API has no single-rule read: the list is small and holds every rule.
  const res = useLoad(async () => (id === "new" ? null : ((await get<RuleListResponse>("/api/admin/rules")).items.find((x) => x.id === id) ?? false)), [id]);
  const ready = metadata.value !== null || metaError.value !== null;
  const found = res.data.value;
  return (
    <div class="page" data-testid="page-rule">
      <div class="page-head">
        <h1>{id === "new" ? t("rules.newTitle") : t("rules.editTitle")}</h1>
        <Link class="btn btn-ghost btn-small" href="/admin/rules">
          ← {t("rules.backToList")}
        </Link>
      </div>
      {res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : null}
      {id !== "new" && found === false ? <p class="alert alert-warn">{t("rules.notFound")}</p> : null}
      {!ready || res.loading.value ? (
        <Loading />
      ) : id === "new" ? (
        <RuleForm key="new" initial={emptyRule()} id={null} />
      ) : found ? (
        <RuleForm key={`${found.id}:${found.version}`} initial={toInput(found)} id={found.id} version={found.version} flagged={found.issues ?? []} onReload={() => void res.reload()} />
      ) : null}
    </div>
  );
}
