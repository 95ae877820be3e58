// One event through the whole rule chain, as the sync would take it: every rule in order with its
// status and each condition's value and answer, then what the sync would write in amoCRM and LPTracker.
import type { DryRunResponse } from "../../../worker/src/api-types";
import type { ConditionTrace, GroupTrace, RuleStatus, RuleTraceEntry } from "../../../worker/src/sync/types";
import { t, type Key } from "../i18n";
import { Badge, type Tone } from "../ui/kit";
import { describeAction, stageName, type Names } from "./describe";
import { OPERATOR_KEY } from "./describe";
import { fieldFor, type FieldDef, type Label } from "./fields";

const TONE: Record<RuleStatus, Tone> = { matched: "ok", not_matched: "muted", not_reached: "warn", disabled: "muted", invalid: "bad" };

function show(v: unknown): string {
  if (v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) return t("chain.empty");
  return Array.isArray(v) ? v.join(", ") : String(v);
}

interface Ctx {
  fields: FieldDef[];
  label: Label;
}

function ConditionLine({ c, ctx }: { c: ConditionTrace; ctx: Ctx }) {
  const field = fieldFor(c.field, ctx.fields, ctx.label);
  const choice = (v: unknown) => field.choices?.find((x) => String(x.value) === String(v))?.label ?? String(v);
  const value = c.value === undefined ? "" : Array.isArray(c.value) ? c.value.map(choice).join(", ") : choice(c.value);
  const actual = Array.isArray(c.actual) ? c.actual.map(choice) : c.actual === null ? null : choice(c.actual);
  return (
    <li class={c.matched ? "cond-yes" : "cond-no"} data-testid="chain-condition">
      <span aria-hidden="true">{c.matched ? "✓" : "✗"}</span> {field.label} {t(OPERATOR_KEY[c.op])} {value ? `«${value}»` : ""} — <strong>{c.matched ? t("chain.yes") : t("chain.no")}</strong>
      <span class="muted small"> ({t("chain.actual", { v: show(actual) })})</span>
    </li>
  );
}

function GroupLines({ g, ctx }: { g: GroupTrace; ctx: Ctx }) {
  if (!g.items.length) return <p class="small muted">{t("chain.always")}</p>;
  return (
    <div class="chain-group">
      <p class="small">{g.match === "all" ? t("chain.all") : t("chain.any")}</p>
      <ul class="plain-list">
        {g.items.map((item, i) => (item.kind === "group" ? <li key={i}><GroupLines g={item} ctx={ctx} /></li> : <ConditionLine key={i} c={item} ctx={ctx} />))}
      </ul>
    </div>
  );
}

function RuleEntry({ e, focus, ctx }: { e: RuleTraceEntry; focus?: number; ctx: Ctx }) {
  return (
    <li class={`chain-rule${e.ruleId === focus ? " is-focus" : ""}`} data-testid="chain-rule" data-status={e.status}>
      <p>
        <strong>{e.name}</strong> <span class="muted small">{t("chain.version", { v: e.version })}</span>
        {e.ruleId === focus ? <span class="muted small"> · {t("chain.this")}</span> : null}{" "}
        <Badge tone={TONE[e.status]} testid="chain-status">
          {t(`chain.status.${e.status}` as Key)}
        </Badge>
      </p>
      {e.status === "not_reached" ? <p class="small muted">{t("chain.notReached")}</p> : null}
      {e.status === "disabled" ? <p class="small muted">{t("chain.disabled")}</p> : null}
      {e.status === "invalid" ? (
        <ul class="small bad-text">
          {(e.problems ?? []).map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      ) : null}
      {e.conditions ? <GroupLines g={e.conditions} ctx={ctx} /> : null}
    </li>
  );
}

export interface ChainViewProps {
  result: DryRunResponse;
  names: Names;
  fields: FieldDef[];
  label: Label;
  /** The rule being edited, marked in the list. */
  focus?: number;
}

/** The incoming-leads decision of the plan, in the user's words. */
function unsortedLine(u: NonNullable<DryRunResponse["outcome"]["unsorted"]>): string {
  switch (u.outcome) {
    case "joined":
      return t(`out.unsorted.joined.${u.why}` as Key, { uid: u.uid });
    case "declined":
      return t("out.unsorted.declined", { uid: u.uid });
    case "repeat_first":
      return t("out.unsorted.repeat_first", { id: u.leadId });
    case "pipeline_missing":
      return t("out.unsorted.pipeline_missing", { id: u.pipelineId });
    case "entry":
      return t("out.unsorted.entry");
    default:
      return t("out.unsorted.linked");
  }
}

export function ChainView({ result, names, fields, label, focus }: ChainViewProps) {
  const o = result.outcome;
  const ctx = { fields, label };
  const stopRule = o.stop?.ruleId ? result.plan.trace.find((x) => x.ruleId === o.stop!.ruleId)?.name : undefined;
  const lead = o.amoLead;
  const from = (f: string) => t(`out.from.${f}` as Key);
  return (
    <div class="dry-result" data-testid="dry-result">
      <h3>{t("chain.title")}</h3>
      {result.plan.trace.length ? (
        <ol class="chain" data-testid="chain">
          {result.plan.trace.map((e) => (
            <RuleEntry key={e.ruleId} e={e} focus={focus} ctx={ctx} />
          ))}
        </ol>
      ) : (
        <p class="muted">{t("chain.noRules")}</p>
      )}
      <h3>{t("dry.planned")}</h3>
      {result.plan.actions.length ? (
        <ol class="plain-list" data-testid="dry-actions">
          {result.plan.actions.map((a, i) => (
            <li key={i}>
              {describeAction(a, names)}
              {a.ruleId !== focus ? <span class="muted small"> · {result.plan.trace.find((x) => x.ruleId === a.ruleId)?.name ?? t("dry.otherRule", { id: a.ruleId })}</span> : null}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{t("dry.none")}</p>
      )}
      <h3>{t("out.title")}</h3>
      <ul class="plain-list outcome" data-testid="dry-outcome">
        {o.stop?.kind === "skip" ? <li class="warn-text">{t("out.skip", { name: stopRule ?? `#${o.stop.ruleId}` })}</li> : null}
        {o.stop?.kind === "nothing" ? <li class="warn-text">{t("out.nothing", { reason: o.stop.reason })}</li> : null}
        {o.unsorted && o.unsorted.outcome !== "off" ? <li data-testid="dry-unsorted">{unsortedLine(o.unsorted)}</li> : null}
        {lead ? (
          <>
            <li>
              <strong>
                {lead.action === "create"
                  ? t("out.create", { name: lead.name ?? "" })
                  : lead.action === "attach"
                    ? t("out.attach", { id: lead.id ?? "" })
                    : lead.action === "unsorted"
                      ? t("out.unsortedEntry", { name: lead.name ?? "", pipeline: lead.pipelineName ?? `#${lead.pipelineId}` })
                      : lead.action === "unsorted_note"
                        ? t("out.unsortedNote", { id: lead.id ?? "" })
                    : result.source === "amocrm"
                      ? t("out.updateRules", { id: lead.id ?? "" })
                      : t("out.update", { id: lead.id ?? "" })}
              </strong>
            </li>
            {o.repeat ? (
              <li data-testid="dry-repeat">{t(`out.repeat.${o.repeat.outcome}` as Key, { mode: t(`out.repeatMode.${o.repeat.mode}` as Key), why: t(`out.why.${o.repeat.code}` as Key, { id: o.repeat.leadId ?? "" }) })}</li>
            ) : null}
            {/* An entry names its pipeline in its own line; its stage is amoCRM's incoming leads. */}
            {lead.action === "unsorted" ? null : (
              <li>
                {lead.pipelineId !== null
                  ? t("out.place", { pipeline: lead.pipelineName ?? `#${lead.pipelineId}`, status: lead.statusName ?? `#${lead.statusId}`, from: from(lead.placementFrom) })
                  : t("out.placeSame")}
              </li>
            )}
            {o.assignment && lead.action === "create" ? (
              <li data-testid="dry-assignment">{t(`out.assign.${o.assignment.from}` as Key, { name: o.assignment.userName ?? `#${o.assignment.userId ?? ""}` })}</li>
            ) : lead.responsibleUserId ? (
              <li>{t("out.responsible", { name: lead.responsibleName ?? `#${lead.responsibleUserId}` })}</li>
            ) : null}
            {lead.tags.length ? <li>{t("out.tags", { tags: lead.tags.join(", ") })}</li> : null}
            {lead.customFields ? <li>{t("out.fields", { n: lead.customFields })}</li> : null}
          </>
        ) : null}
        {o.contact ? (
          <li data-testid="dry-contact">
            {o.contact.action === "found"
              ? t("out.contact.found", { id: o.contact.id ?? "", by: t(o.contact.by === "email" ? "out.by.email" : "out.by.phone") })
              : o.contact.action === "create"
                ? t("out.contact.create", { who: [o.contact.name, ...o.contact.phones, ...o.contact.emails].filter(Boolean).join(", ") })
                : o.contact.action === "linked"
                  ? t("out.contact.linked", { id: o.contact.id ? ` №${o.contact.id}` : "" })
                  : t("out.contact.search", { who: [...o.contact.phones, ...o.contact.emails].join(", ") || "—" })}
          </li>
        ) : null}
        {o.notes.map((n, i) => (
          <li key={`n${i}`}>{t("out.note", { text: n.text })}</li>
        ))}
        {o.tasks.map((x, i) => (
          <li key={`t${i}`}>{t("out.task", { text: x.text, type: x.taskTypeName ?? `#${x.taskTypeId}`, h: x.dueInHours })}</li>
        ))}
        {o.lptStage ? (
          <li>{o.lptStage.alreadyThere ? t("out.lptStageThere", { stage: stageName(names, o.lptStage.stageId) }) : t("out.lptStage", { stage: stageName(names, o.lptStage.stageId), from: from(o.lptStage.from) })}</li>
        ) : null}
        {o.mappingProblems.length ? <li class="warn-text">{t("out.problems", { rows: o.mappingProblems.join("; ") })}</li> : null}
      </ul>
      <p class="small muted">{t("out.noWrites")}</p>
      {result.notes.length ? (
        <details>
          <summary>{t("out.notes")}</summary>
          <ul class="small">
            {result.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        </details>
      ) : null}
      <details>
        <summary>{t("dry.facts")}</summary>
        <table class="kv">
          <tbody>
            {Object.entries(result.facts).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{fieldFor(k, fields, label).label}</th>
                <td>{show(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
