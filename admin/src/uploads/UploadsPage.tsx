// Uploading a spreadsheet: pick or drop a file, say what it holds and which column is which with a
// preview, start, watch the progress live, cancel, read the result and the error report; history below.
import { useEffect } from "preact/hooks";
import { useSignal } from "@preact/signals";
import type { ImportColumn, ImportListResponse, ImportPreviewRequest, ImportUploadResponse, ImportView } from "../../../worker/src/api-types";
import { get, post } from "../api";
import { lang, t, tn, formatInt, type Key } from "../i18n";
import { dateTime, fileSize } from "../format";
import { useLoad, usePoll } from "../load";
import { query, setQuery } from "../router";
import { lptInfo, loadMeta } from "../meta";
import { storedText } from "../problem";
import { Badge, Button, Card, ConfirmButton, Empty, ErrorBox, Field, Loading, type Tone } from "../ui/kit";
import { cellText, checkFile, checkMapping, COLUMNS, dateOutcome, etaParts, guessKind, initialColumns, isFinished, isRunning, progressOf, startRequest, unreadableText, type ImportKind } from "./model";

/** A running import held while the widget is switched off in amoCRM. */
const PAUSED: { tone: Tone; key: Key } = { tone: "warn", key: "imp.status.paused" };
const STATUS: Record<ImportView["status"], { tone: Tone; key: Key }> = {
  uploaded: { tone: "muted", key: "imp.status.uploaded" },
  parsing: { tone: "info", key: "imp.status.parsing" },
  processing: { tone: "info", key: "imp.status.processing" },
  done: { tone: "ok", key: "imp.status.done" },
  failed: { tone: "bad", key: "imp.status.failed" },
  cancelled: { tone: "warn", key: "imp.status.cancelled" },
};

export interface DropZoneProps {
  busy: boolean;
  onFile: (f: File) => void;
}

export function DropZone({ busy, onFile }: DropZoneProps) {
  const over = useSignal(false);
  return (
    <div
      class={`drop${over.value ? " over" : ""}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        over.value = true;
      }}
      onDragLeave={() => (over.value = false)}
      onDrop={(e) => {
        e.preventDefault();
        over.value = false;
        const f = e.dataTransfer?.files?.[0];
        if (f) onFile(f);
      }}
    >
      <p class="drop-title">{t("imp.drop")}</p>
      <p class="small muted">{t("imp.formats")}</p>
      <label class={`btn btn-primary${busy ? " is-busy" : ""}`}>
        {busy ? <span class="spinner" aria-hidden="true" /> : null}
        {t("imp.pick")}
        <input
          class="sr-only"
          type="file"
          accept=".xlsx,.xls,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,text/csv"
          disabled={busy}
          onChange={(e) => {
            const input = e.target as HTMLInputElement;
            const f = input.files?.[0];
            input.value = "";
            if (f) onFile(f);
          }}
          data-testid="file-input"
        />
      </label>
    </div>
  );
}

export interface MappingStepProps {
  upload: ImportUploadResponse;
  onStarted: (id: number) => void;
  onCancel: () => void;
  /** The same upload read again with another sheet or header row. */
  onPreview: (next: ImportUploadResponse) => void;
}

/** Which sheet and which row hold the table: the server's guess, changeable; each change reads the file again. */
function SourcePicker({ upload, onPreview }: Pick<MappingStepProps, "upload" | "onPreview">) {
  const busy = useSignal(false);
  const error = useSignal<unknown>(null);
  const reread = async (choice: ImportPreviewRequest) => {
    busy.value = true;
    error.value = null;
    try {
      onPreview(await post<ImportUploadResponse>(`/api/admin/imports/${upload.id}/preview`, choice));
    } catch (err) {
      error.value = err;
    } finally {
      busy.value = false;
    }
  };
  return (
    <div data-testid="import-source">
      <div class="map-grid">
        {upload.sheets.length > 1 ? (
          <Field label={t("imp.sheet")}>
            <select class="input" value={upload.sheetName} disabled={busy.value} onChange={(e) => void reread({ sheet: (e.target as HTMLSelectElement).value })} data-testid="import-sheet">
              {upload.sheets.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.hidden ? t("imp.sheetHidden", { name: s.name }) : s.name}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label={t("imp.headerRow")} class="field-wide">
          <select
            class="input"
            value={String(upload.headerRow)}
            disabled={busy.value}
            onChange={(e) => void reread({ sheet: upload.sheetName, headerRow: Number((e.target as HTMLSelectElement).value) })}
            data-testid="import-header-row"
          >
            {upload.headerChoices.map((h) => (
              <option key={h.row} value={String(h.row)}>
                {t("imp.headerRowN", { n: h.row, text: h.text })}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <p class="small muted" data-testid="import-header-taken">
        {busy.value ? t("imp.rereading") : t("imp.headerTaken", { n: upload.headerRow, sheet: upload.sheetName })}
      </p>
      {error.value ? <ErrorBox error={error.value} /> : null}
    </div>
  );
}

export function MappingStep({ upload, onStarted, onCancel, onPreview }: MappingStepProps) {
  const kind = useSignal<ImportKind>(guessKind(upload));
  const columns = useSignal(initialColumns(kind.value, upload));
  // Another sheet or header row brings other columns: the choice starts again from what was found.
  useEffect(() => {
    kind.value = guessKind(upload);
    columns.value = initialColumns(kind.value, upload);
  }, [upload]);
  const projects = (lptInfo.value?.projects ?? []).filter((p) => p.selected);
  const projectId = useSignal<number | null>(projects[0]?.id ?? null);
  const busy = useSignal(false);
  const error = useSignal<unknown>(null);
  const problems = checkMapping(kind.value, columns.value);
  const wanted = COLUMNS[kind.value];
  const usedBy = new Map<number, ImportColumn>();
  for (const c of wanted) if (columns.value[c] !== undefined) usedBy.set(columns.value[c]!, c);

  const start = async () => {
    busy.value = true;
    error.value = null;
    try {
      await post<ImportView>(`/api/admin/imports/${upload.id}/start`, startRequest(kind.value, columns.value, kind.value === "leads" ? projectId.value : null, upload));
      onStarted(upload.id);
    } catch (err) {
      error.value = err;
    } finally {
      busy.value = false;
    }
  };

  return (
    <Card title={t("imp.mapTitle", { file: upload.fileName })} testid="import-mapping">
      <p class="small muted" data-testid="import-rows-found">{tn("imp.rowsFound", upload.totalRows)}</p>
      <SourcePicker upload={upload} onPreview={onPreview} />
      <fieldset class="radio-row">
        <legend>{t("imp.kind")}</legend>
        {(["leads", "calls"] as const).map((k) => (
          <label key={k} class="check">
            <input
              type="radio"
              name="kind"
              checked={kind.value === k}
              onChange={() => {
                kind.value = k;
                columns.value = initialColumns(k, upload);
              }}
              data-testid={`kind-${k}`}
            />
            <span>{t(k === "leads" ? "imp.kindLeads" : "imp.kindCalls")}</span>
          </label>
        ))}
      </fieldset>
      <p class="small muted">{t(kind.value === "leads" ? "imp.kindLeadsHint" : "imp.kindCallsHint")}</p>
      {kind.value === "leads" && projects.length ? (
        <Field label={t("imp.project")}>
          <select class="input" value={String(projectId.value ?? "")} onChange={(e) => (projectId.value = Number((e.target as HTMLSelectElement).value) || null)} data-testid="import-project">
            {projects.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <h3>{t("imp.columns")}</h3>
      <div class="map-grid">
        {wanted.map((col) => (
          <Field key={col} label={t(`col.${col}` as Key)} hint={upload.detected[col] !== undefined && columns.value[col] === upload.detected[col] ? t("imp.detected") : undefined}>
            <select
              class="input"
              value={columns.value[col] === undefined ? "" : String(columns.value[col])}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                const next = { ...columns.value };
                if (v === "") delete next[col];
                else next[col] = Number(v);
                columns.value = next;
              }}
              data-testid={`map-${col}`}
            >
              <option value="">{t("imp.noColumn")}</option>
              {upload.headers.map((h, i) => (
                <option key={i} value={String(i)}>
                  {h || t("imp.columnN", { n: i + 1 })}
                </option>
              ))}
            </select>
          </Field>
        ))}
      </div>
      <h3>{t("imp.preview")}</h3>
      {columns.value.date !== undefined && kind.value === "calls" ? (
        <p class="small muted" data-testid="import-zone">
          {t(upload.timeZoneKnown ? "imp.zone" : "imp.zoneAssumed", { zone: upload.timeZone })}
          {upload.date1904 ? ` ${t("imp.date1904")}` : ""}
        </p>
      ) : null}
      <div class="table-scroll">
        <table class="table preview" data-testid="import-preview">
          <thead>
            <tr>
              <th scope="col" class="muted">
                {t("imp.rowN")}
              </th>
              {upload.headers.map((h, i) => (
                <th key={i} scope="col">
                  {h || t("imp.columnN", { n: i + 1 })}
                  {usedBy.has(i) ? <span class="map-tag">{t(`col.${usedBy.get(i)}` as Key)}</span> : null}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {upload.rows.slice(0, 5).map((row, r) => (
              <tr key={r}>
                <td class="muted">{upload.rowNumbers[r]}</td>
                {upload.headers.map((_, i) => (
                  <PreviewCell key={i} upload={upload} row={r} col={i} isDate={kind.value === "calls" && columns.value.date === i} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problems.length ? (
        <ul class="alert alert-warn" data-testid="mapping-problems">
          {problems.map((p) => (
            <li key={p}>{t(`imp.problem.${p}` as Key)}</li>
          ))}
        </ul>
      ) : null}
      {error.value ? <ErrorBox error={error.value} /> : null}
      <div class="form-actions">
        <Button variant="primary" busy={busy.value} disabled={problems.length > 0} onClick={() => void start()} data-testid="import-start">
          {t("imp.start")}
        </Button>
        <Button variant="ghost" onClick={onCancel}>
          {t("imp.otherFile")}
        </Button>
      </div>
    </Card>
  );
}

/** One preview cell: its value, a warning when it cannot be read, and in the date column what the date became. */
function PreviewCell({ upload, row, col, isDate }: { upload: ImportUploadResponse; row: number; col: number; isDate: boolean }) {
  const v = upload.rows[row]?.[col];
  const bad = unreadableText(v);
  if (bad !== null) {
    return (
      <td class="bad-text" title={t("imp.unreadable")} data-testid="import-cell-unreadable">
        {bad}
      </td>
    );
  }
  if (!isDate) return <td>{cellText(v)}</td>;
  const became = dateOutcome(upload, row, col);
  return (
    <td>
      {cellText(v)}
      {became === null ? null : (
        <span class={`small ${became === "none" ? "bad-text" : "muted"}`} style={{ display: "block" }} data-testid="import-date">
          {became === "none" ? t("imp.notDate") : t("imp.dateBecame", { date: dateTime(became * 1000, lang.value, upload.timeZone) })}
        </span>
      )}
    </td>
  );
}

export interface ProgressViewProps {
  id: number;
  onDone: () => void;
  onNew: () => void;
}

export function ProgressView({ id, onDone, onNew }: ProgressViewProps) {
  const res = useLoad(() => get<ImportView>(`/api/admin/imports/${id}`), [id]);
  const v = res.data.value;
  const running = !!v && !isFinished(v.status) && v.status !== "uploaded";
  const wasRunning = useSignal(false);
  usePoll(running, 1000, async () => {
    await res.reload();
  });
  useEffect(() => {
    if (running) wasRunning.value = true;
    else if (v && wasRunning.value && isFinished(v.status)) {
      wasRunning.value = false;
      onDone();
    }
  }, [running, v?.status]);

  if (!v) return res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : <Loading />;
  const p = progressOf(v);
  const eta = etaParts(p.etaSec);
  const s = v.paused ? PAUSED : STATUS[v.status];
  return (
    <Card title={v.fileName} testid="import-progress-card" actions={<Badge tone={s.tone} testid="import-status">{t(s.key)}</Badge>}>
      <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={p.percent} aria-label={t("imp.progress")} data-testid="import-progress">
        <div class={`progress-bar${v.status === "failed" ? " bad" : ""}`} style={{ width: `${p.percent}%` }} />
        <span class="progress-text" data-testid="import-percent">
          {p.percent}%
        </span>
      </div>
      <p class="small" data-testid="import-counts">
        {t("imp.rowsDone", { done: formatInt(p.done), total: formatInt(p.total) })}
        {running && p.ratePerSec ? ` · ${t("imp.rate", { n: formatInt(Math.round(p.ratePerSec * 10) / 10) })}` : ""}
        {running && eta ? ` · ${t(`imp.eta.${eta.unit}` as Key, { n: eta.n })}` : ""}
      </p>
      {v.paused && (
        <p class="small" data-testid="import-paused">
          {t("imp.pausedHint")}
        </p>
      )}
      {running ? (
        <ConfirmButton
          label={t("imp.cancel")}
          question={t("imp.cancelQ")}
          confirmLabel={t("imp.cancelYes")}
          testid="import-cancel"
          small={false}
          onConfirm={async () => {
            try {
              await post(`/api/admin/imports/${id}/cancel`);
            } finally {
              await res.reload();
            }
          }}
        />
      ) : null}
      {v.error ? <p class="alert alert-bad">{storedText(v.error, v.errorText, lang.value)}</p> : null}
      {isFinished(v.status) ? (
        <div data-testid="import-summary">
          <dl class="stats">
            <div>
              <dt>{t("imp.created")}</dt>
              <dd class="ok-text">{formatInt(v.created)}</dd>
            </div>
            <div>
              <dt>{t("imp.updated")}</dt>
              <dd>{formatInt(v.updated)}</dd>
            </div>
            <div>
              <dt>{t("imp.skipped")}</dt>
              <dd>{formatInt(v.skipped)}</dd>
            </div>
            <div>
              <dt>{t("imp.failed")}</dt>
              <dd class={v.failed ? "bad-text" : ""}>{formatInt(v.failed)}</dd>
            </div>
          </dl>
          {v.errors.length ? (
            <>
              <h3>{t("imp.errors")}</h3>
              <ul class="plain-list small">
                {v.errors.slice(0, 10).map((e, i) => (
                  <li key={i}>
                    {/* A reason that names its row itself («Строка 7: …») is not prefixed with it again. */}
                    {e.reasonText?.params.row === e.row ? null : <strong>{t("imp.row", { n: e.row })}</strong>} {storedText(e.reason, e.reasonText, lang.value)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <div class="form-actions">
            {v.hasReport ? (
              <a class="btn btn-secondary" href={`/api/admin/imports/${id}/report.xlsx`} download data-testid="import-report">
                {t("imp.report")}
              </a>
            ) : null}
            <Button variant="primary" onClick={onNew} data-testid="import-again">
              {t("imp.again")}
            </Button>
          </div>
        </div>
      ) : null}
    </Card>
  );
}

export interface HistoryProps {
  items: ImportView[];
  current: number | null;
}

export function History({ items, current }: HistoryProps) {
  if (!items.length) return <Empty>{t("imp.noHistory")}</Empty>;
  return (
    <ul class="rows" data-testid="import-history">
      {items.map((v) => {
        const s = v.paused ? PAUSED : STATUS[v.status];
        const p = progressOf(v);
        return (
          <li key={v.id} class={`row${v.id === current ? " is-current" : ""}`}>
            <div class="row-main">
              <div class="row-title">
                <span class="mono">{v.fileName}</span> <Badge tone={s.tone}>{t(s.key)}</Badge>
              </div>
              <p class="small muted">
                {dateTime(v.createdAt, lang.value)} · {fileSize(v.fileSize, lang.value)}
                {v.kind ? ` · ${t(v.kind === "leads" ? "imp.kindLeads" : "imp.kindCalls")}` : ""}
                {v.total ? ` · ${t("imp.rowsDone", { done: formatInt(p.done), total: formatInt(p.total) })}` : ""}
                {isFinished(v.status) ? ` · ${t("imp.shortSummary", { created: v.created, updated: v.updated, failed: v.failed })}` : ""}
              </p>
            </div>
            <div class="row-actions">
              {v.status !== "uploaded" && v.id !== current ? (
                <Button small variant="ghost" onClick={() => setQuery({ id: v.id }, { push: true })}>
                  {isRunning(v.status) ? t("imp.watch") : t("imp.open")}
                </Button>
              ) : null}
              {v.hasReport ? (
                <a class="btn btn-ghost btn-small" href={`/api/admin/imports/${v.id}/report.xlsx`} download>
                  {t("imp.reportShort")}
                </a>
              ) : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

export function UploadsPage() {
  const history = useLoad(() => get<ImportListResponse>("/api/admin/imports"), []);
  const upload = useSignal<ImportUploadResponse | null>(null);
  const uploading = useSignal(false);
  const fileError = useSignal<string | null>(null);
  const uploadError = useSignal<unknown>(null);
  const idParam = Number(query.value.get("id"));
  const trackId = Number.isSafeInteger(idParam) && idParam > 0 ? idParam : null;
  useEffect(() => {
    void loadMeta();
  }, []);

  const send = async (f: File) => {
    fileError.value = null;
    uploadError.value = null;
    const problem = checkFile(f);
    if (problem) {
      fileError.value = t(`imp.file.${problem}` as Key, { name: f.name });
      return;
    }
    uploading.value = true;
    try {
      const form = new FormData();
      form.append("file", f, f.name);
      upload.value = await post<ImportUploadResponse>("/api/admin/imports", form);
    } catch (err) {
      uploadError.value = err;
    } finally {
      uploading.value = false;
    }
  };

  const reset = () => {
    upload.value = null;
    setQuery({});
  };

  return (
    <div class="page" data-testid="page-uploads">
      <div class="page-head">
        <h1>{t("nav.uploads")}</h1>
      </div>
      <p class="muted intro">{t("imp.intro")}</p>
      {trackId !== null ? (
        <ProgressView key={trackId} id={trackId} onDone={() => void history.reload()} onNew={reset} />
      ) : upload.value ? (
        <MappingStep
          upload={upload.value}
          onPreview={(next) => (upload.value = next)}
          onCancel={() => (upload.value = null)}
          onStarted={(id) => {
            upload.value = null;
            setQuery({ id }, { push: true });
            void history.reload();
          }}
        />
      ) : (
        <Card>
          <DropZone busy={uploading.value} onFile={(f) => void send(f)} />
          {fileError.value ? (
            <p class="alert alert-bad" role="alert">
              {fileError.value}
            </p>
          ) : null}
          {uploadError.value ? <ErrorBox error={uploadError.value} /> : null}
        </Card>
      )}
      <Card title={t("imp.history")} actions={<Button small variant="ghost" onClick={() => void history.reload()}>{t("action.refresh")}</Button>}>
        {history.error.value ? <ErrorBox error={history.error.value} onRetry={() => void history.reload()} /> : null}
        {history.data.value ? <History items={history.data.value.items} current={trackId} /> : history.error.value ? null : <Loading />}
      </Card>
    </div>
  );
}
