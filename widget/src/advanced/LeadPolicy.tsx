// Per LPTracker project: what a repeat request does and who gets a new lead, with pickers filled
// from the account's own pipelines and users and the project's LPTracker staff. Saved on its own.
import { h, type ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { useSignal } from "@preact/signals";
import type { AmoMetadata, LptProjectSchema } from "../../../worker/src/api-types";
import type { LeadPolicy as Policy, PolicyIssue } from "../../../worker/src/sync/plan/lead-policy";
import type { WidgetEnv } from "../env";
import { describeError, toApiError, type ErrorView } from "../problem";
import { ErrorBox, Loading } from "../ui";
import { Picker } from "./Picker";

const REPEAT_MODES: Policy["repeatMode"][] = ["new", "attach", "new_if_closed"];
const ASSIGN_MODES: Policy["assignMode"][] = ["none", "fixed", "round_robin", "lpt_owner"];

interface CheckListProps {
  testId: string;
  /** Each box's test id is this plus `-{id}`. */
  itemTestId: string;
  legend: string;
  items: { id: number; name: string }[];
  checked: number[];
  disabled: boolean;
  onChange: (ids: number[]) => void;
  children?: ComponentChildren;
}

/** Checkboxes over the account's pipelines or users; `children` follow the boxes (gone ids, hints). */
function CheckList({ testId, itemTestId, legend, items, checked, disabled, onChange, children }: CheckListProps) {
  const toggle = (id: number, on: boolean) => onChange(on ? [...checked.filter((x) => x !== id), id] : checked.filter((x) => x !== id));
  return (
    <fieldset class="lptw-policy__group" data-testid={testId}>
      <legend class="lptw-small">{legend}</legend>
      {items.map((item) => (
        <label key={item.id} class="lptw-check">
          <input type="checkbox" checked={checked.includes(item.id)} disabled={disabled} onChange={(e) => toggle(item.id, e.currentTarget.checked)} data-testid={`${itemTestId}-${item.id}`} />
          <span>{item.name}</span>
        </label>
      ))}
      {children}
    </fieldset>
  );
}

export interface LeadPolicyProps {
  env: WidgetEnv;
  projectId: number;
  meta: AmoMetadata;
  schema: LptProjectSchema;
  readOnly: boolean;
}

export function LeadPolicy({ env, projectId, meta, schema, readOnly }: LeadPolicyProps) {
  const { t } = env;
  const policy = useSignal<Policy | null>(null);
  const loadError = useSignal<ErrorView | null>(null);
  const saving = useSignal(false);
  const saved = useSignal(false);
  const saveError = useSignal<ErrorView | null>(null);
  const issues = useSignal<PolicyIssue[]>([]);

  useEffect(() => {
    let gone = false;
    policy.value = null;
    loadError.value = null;
    saved.value = false;
    saveError.value = null;
    issues.value = [];
    env.api.leadPolicy(projectId).then(
      (p) => {
        if (!gone) policy.value = p;
      },
      (err: unknown) => {
        if (!gone) loadError.value = describeError(err, env.lang, t);
      },
    );
    return () => {
      gone = true;
    };
  }, [projectId]);

  if (loadError.value) return <ErrorBox env={env} error={loadError.value} testId="lptw-policy-load-error" />;
  const p = policy.value;
  if (!p) return <Loading text={t("common.loading")} />;

  const change = (next: Partial<Policy>) => {
    policy.value = { ...p, ...next };
    saved.value = false;
  };
  const save = async () => {
    saving.value = true;
    saveError.value = null;
    issues.value = [];
    try {
      policy.value = await env.api.saveLeadPolicy(projectId, p);
      saved.value = true;
    } catch (err) {
      // The server names each problem with a code: shown in the interface language.
      const listed = (toApiError(err).problem as { issues?: unknown } | null)?.issues;
      if (Array.isArray(listed) && listed.every((x) => typeof (x as PolicyIssue).code === "string")) issues.value = listed as PolicyIssue[];
      else saveError.value = describeError(err, env.lang, t);
    } finally {
      saving.value = false;
    }
  };

  const userLabel = (id: number) => meta.users.find((u) => u.id === id)?.name ?? t("leadpolicy.user_gone", { id });
  const userGroups = [{ label: "", options: meta.users.map((u) => ({ value: String(u.id), label: u.name })) }];
  const userPicker = (value: number | null, onPick: (id: number | null) => void, testId: string, ariaLabel: string, placeholder = t("mapping.pick_user")) => (
    <Picker
      value={value === null ? "" : String(value)}
      groups={userGroups}
      placeholder={placeholder}
      missingLabel={value === null ? undefined : userLabel(value)}
      disabled={readOnly}
      onChange={(v) => onPick(v ? Number(v) : null)}
      testId={testId}
      ariaLabel={ariaLabel}
    />
  );
  const staff = schema.staff ?? [];

  return (
    <div class="lptw-policy" data-testid="lptw-policy">
      <h3 class="lptw-subtitle">{t("leadpolicy.repeat_title")}</h3>
      <p class="lptw-small lptw-muted">{t("leadpolicy.repeat_hint")}</p>
      <div role="radiogroup" aria-label={t("leadpolicy.repeat_title")}>
        {REPEAT_MODES.map((m) => (
          <label key={m} class="lptw-check">
            <input type="radio" name={`lptw-repeat-${projectId}`} checked={p.repeatMode === m} disabled={readOnly} onChange={() => change({ repeatMode: m })} data-testid={`lptw-repeat-${m}`} />
            <span>
              {t(`leadpolicy.repeat.${m}`)}
              <span class="lptw-small lptw-muted"> — {t(`leadpolicy.repeat_desc.${m}`)}</span>
            </span>
          </label>
        ))}
      </div>
      {p.repeatMode !== "new" && (
        <CheckList testId="lptw-repeat-pipelines" itemTestId="lptw-repeat-pipeline" legend={t("leadpolicy.pipelines")} items={meta.pipelines} checked={p.repeatPipelines} disabled={readOnly} onChange={(ids) => change({ repeatPipelines: ids })}>
          {p.repeatPipelines.filter((id) => !meta.pipelines.some((pl) => pl.id === id)).map((id) => (
            <div key={id} class="lptw-maprow__problem">{t("leadpolicy.pipeline_gone", { id })}</div>
          ))}
          <p class="lptw-small lptw-muted">{t("leadpolicy.pipelines_hint")}</p>
        </CheckList>
      )}

      <h3 class="lptw-subtitle">{t("leadpolicy.assign_title")}</h3>
      <p class="lptw-small lptw-muted">{t("leadpolicy.assign_hint")}</p>
      <Picker
        value={p.assignMode}
        groups={[{ label: "", options: ASSIGN_MODES.map((m) => ({ value: m, label: t(`leadpolicy.assign.${m}`) })) }]}
        disabled={readOnly}
        onChange={(v) => change({ assignMode: v as Policy["assignMode"] })}
        testId="lptw-assign-mode"
        ariaLabel={t("leadpolicy.assign_title")}
      />
      {p.assignMode === "fixed" && <div class="lptw-policy__group">{userPicker(p.fixedUserId, (id) => change({ fixedUserId: id }), "lptw-assign-fixed", t("leadpolicy.assign.fixed"))}</div>}
      {p.assignMode === "round_robin" && (
        <CheckList testId="lptw-assign-rr" itemTestId="lptw-rr-user" legend={t("leadpolicy.rr_users")} items={meta.users} checked={p.rrUsers} disabled={readOnly} onChange={(ids) => change({ rrUsers: ids })}>
          {meta.users.length === 0 && <div class="lptw-maprow__problem">{t("leadpolicy.no_users")}</div>}
        </CheckList>
      )}
      {p.assignMode === "lpt_owner" && (
        <div class="lptw-policy__group" data-testid="lptw-staff-map">
          <div class="lptw-small">{t("leadpolicy.staff_map")}</div>
          {staff.length === 0 && <div class="lptw-maprow__problem">{t("leadpolicy.no_staff")}</div>}
          {staff.map((s) => {
            const entry = p.staffMap.find((m) => m.lptStaffId === s.id);
            return (
              <div key={s.id} class="lptw-stage-line" data-testid="lptw-staff-line">
                <span class="lptw-stage-line__name">{s.name}</span>
                <span class="lptw-arrow" aria-hidden="true">→</span>
                {userPicker(
                  entry?.amoUserId ?? null,
                  (id) => change({ staffMap: [...p.staffMap.filter((m) => m.lptStaffId !== s.id), ...(id ? [{ lptStaffId: s.id, amoUserId: id }] : [])] }),
                  `lptw-staff-${s.id}`,
                  s.name,
                  t("leadpolicy.staff_unmapped"),
                )}
              </div>
            );
          })}
        </div>
      )}
      {(p.assignMode === "lpt_owner" || p.assignMode === "fixed" || p.assignMode === "round_robin") && (
        <div class="lptw-policy__group">
          <span class="lptw-small">{t("leadpolicy.fallback")} </span>
          {userPicker(p.fallbackUserId, (id) => change({ fallbackUserId: id }), "lptw-assign-fallback", t("leadpolicy.fallback"), t("leadpolicy.fallback_none"))}
        </div>
      )}
      <label class="lptw-check">
        <input type="checkbox" checked={p.contactOwnerWins} disabled={readOnly} onChange={(e) => change({ contactOwnerWins: e.currentTarget.checked })} data-testid="lptw-contact-owner-wins" />
        <span>{t("leadpolicy.contact_owner_wins")}</span>
      </label>
      <p class="lptw-small lptw-muted">{t("leadpolicy.order_hint")}</p>

      {!readOnly && (
        <div class="lptw-savebar">
          <button type="button" class="lptw-btn lptw-btn--primary" disabled={saving.value} onClick={() => void save()} data-testid="lptw-policy-save">
            {saving.value ? t("common.saving") : t("leadpolicy.save")}
          </button>
          {saved.value && (
            <span class="lptw-small lptw-tone--ok" data-testid="lptw-policy-saved" role="status">
              {t("leadpolicy.saved")}
            </span>
          )}
        </div>
      )}
      {saveError.value && <ErrorBox env={env} error={saveError.value} testId="lptw-policy-save-error" />}
      {issues.value.length > 0 && (
        <div class="lptw-error lptw-error--problem" role="alert" data-testid="lptw-policy-issues">
          {issues.value.map((x, i) => (
            <div key={i} class="lptw-error__message">
              {t(`leadpolicy.issue.${x.code}`, { id: x.id ?? "" })}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
