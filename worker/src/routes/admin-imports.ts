// Admin API for spreadsheet imports: upload (checked and previewed, then kept in R2), start with a
// column mapping, progress, history, cancel and the error report.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { widgetSwitchedOff } from "../db/accounts";
import { Problem, problemOf } from "../lib/problem";
import { parseOr400 } from "../lib/validate";
import { importPreviewRequestSchema, importStartRequestSchema } from "../contracts/admin";
import { tenant, type Tenant } from "../db/tenant";
import { writeAudit } from "../db/audit";
import { getProject, listProjects } from "../db/lptracker";
import {
  cancelImport,
  createImport,
  deleteImport,
  failImport,
  getImport,
  listImports,
  rowErrors,
  setImportFileKey,
  startImport,
  TERMINAL,
  type ImportRow,
} from "../db/imports";
import { isImportFileError, type ImportFileError } from "../imports/errors";
import { previewOf, readImportFile, type WorkbookPreview } from "../imports/read";
import { parseDate } from "../imports/values";
import { accountTimeZone, type AccountZone } from "../imports/zone";
import { dropContactIndex } from "../imports/pipeline-lookup";
import { logError } from "../lib/log";
import { missingColumns } from "../imports/normalize";
import { safeFileName, uploadKey } from "../imports/pipeline-files";
import { headerMapping, type ImportPlan } from "../imports/pipeline-rows";
import { importView } from "../imports/pipeline-view";
import { storeErrorReport } from "../imports/pipeline-report";
import type { ImportListResponse, ImportUploadResponse, ImportView } from "../api-types";
import type { Env } from "../env";
import { codedText } from "../lib/errors";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** How long an upload waits for amoCRM to tell the account's time zone before showing dates in the default one (and saying so). */
const UPLOAD_ZONE_WAIT_MS = 5000;

/** The reader's refusal as the API answers it: its catalogue code and parameters, its own kind as `reason`. */
function fileProblem(err: ImportFileError): Problem {
  return problemOf(err.problem, err.params, { reason: err.code });
}


/** The upload answer: the preview plus what each of its cells means as a date in the account's zone. */
function uploadBody(id: number, fileName: string, p: WorkbookPreview, zone: AccountZone): ImportUploadResponse {
  const ctx = { timeZone: zone.timeZone, date1904: p.date1904 };
  return {
    id,
    fileName,
    sheetName: p.sheetName,
    sheets: p.sheets,
    headerRow: p.headerRow,
    headerChoices: p.headerChoices,
    headers: p.headers,
    rows: p.rows,
    rowNumbers: p.rowNumbers,
    totalRows: p.totalRows,
    detected: p.detected,
    dates: p.rows.map((row) => row.map((v) => parseDate(v, ctx))),
    timeZone: zone.timeZone,
    timeZoneKnown: zone.known,
    date1904: p.date1904,
  };
}

/** The stored upload read again with another sheet or header row; a file problem becomes its problem answer. */
async function previewStored(env: Env, imp: ImportRow, choice: { sheet?: string; headerRow?: number }): Promise<WorkbookPreview> {
  const object = await env.FILES.get(imp.fileKey);
  if (!object) throw new Problem("import_stored_file_missing");
  try {
    return previewOf(readImportFile(new Uint8Array(await object.arrayBuffer()), imp.fileName, { ...choice, previewOnly: true }));
  } catch (err) {
    if (isImportFileError(err)) throw fileProblem(err);
    throw err;
  }
}

function megabytes(n: number): string {
  return String(Math.round((n / 1_048_576) * 10) / 10);
}

function notFound(raw: string): Problem {
  return new Problem("import_not_found", { id: raw });
}

/** A running import waits while the widget is switched off in amoCRM (imports/jobs.ts resumes it). */
function held(view: ImportView, widgetIsOff: boolean): ImportView {
  return widgetIsOff && (view.status === "parsing" || view.status === "processing") ? { ...view, paused: true } : view;
}

export function adminImportRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.admin.accountId);
  const actor = (c: { var: AppEnv["Variables"] }) => `amo-user:${c.var.admin.userId}`;
  /** The admin's audit line about one import. */
  const auditImport = (c: { var: AppEnv["Variables"] }, importId: number, action: string, message: string, data: Record<string, unknown>) =>
    writeAudit(t(c), { source: "admin", action, actor: actor(c), entityType: "import", entityId: importId, message, data });

  /** The import of this account, or a 404 that says nothing about other accounts. */
  const load = async (tt: Tenant, raw: string): Promise<ImportRow> => {
    const id = Number(raw);
    const imp = Number.isSafeInteger(id) && id > 0 ? await getImport(tt, id) : null;
    if (!imp) throw notFound(raw);
    return imp;
  };
  /** Sheet, header row and columns can be chosen only before the import starts. */
  const refuseUnlessUploaded = (imp: ImportRow): void => {
    if (imp.status !== "uploaded") throw new Problem("import_already_started", { id: imp.id, status: imp.status });
  };

  r.post("/api/admin/imports", async (c) => {
    const cfg = c.var.cfg;
    if (!/^multipart\/form-data/i.test(c.req.header("content-type") ?? "")) {
      throw new Problem("import_not_multipart");
    }
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw new Problem("import_form_unreadable");
    }
    // workers-types declare get() as string-only; at run time a file field is a File.
    const file: unknown = form.get("file");
    if (!(file instanceof File)) {
      throw new Problem("import_file_required", { field: "file" }, { field: "file" });
    }
    if (file.size > cfg.maxUploadBytes) {
      throw new Problem("import_file_too_large", { limitMb: megabytes(cfg.maxUploadBytes) }, { reason: "too-large", limitBytes: cfg.maxUploadBytes });
    }
    const fileName = safeFileName(file.name);
    const bytes = new Uint8Array(await file.arrayBuffer());
    let preview: WorkbookPreview;
    try {
      preview = previewOf(readImportFile(bytes, fileName, { previewOnly: true }));
    } catch (err) {
      if (isImportFileError(err)) throw fileProblem(err);
      throw err;
    }
    // Only a file that passed every check is kept.
    const tt = t(c);
    const imp = await createImport(tt, { fileName, fileSize: bytes.byteLength, headers: preview.headers, createdBy: c.var.admin.userId });
    const key = uploadKey(tt.accountId, imp.id, fileName);
    try {
      await c.env.FILES.put(key, bytes, { httpMetadata: { contentType: file.type || "application/octet-stream" }, customMetadata: { importId: String(imp.id) } });
      await setImportFileKey(tt, imp.id, key);
    } catch (err) {
      await deleteImport(tt, imp.id);
      throw err;
    }
    await auditImport(c, imp.id, "import.uploaded", `File «${fileName}» uploaded (${bytes.byteLength} bytes, ${preview.totalRows} rows, ${preview.headers.length} columns).`, { type: preview.type, sheet: preview.sheetName, headerRow: preview.headerRow, rows: preview.totalRows, detected: preview.detected });
    return c.json(uploadBody(imp.id, fileName, preview, await accountTimeZone(c.env, tt, { waitMs: UPLOAD_ZONE_WAIT_MS })), 201);
  });

  r.get("/api/admin/imports", async (c) => {
    // The history stays one cheap query: per-row errors come with the single import's view.
    const paused = await widgetSwitchedOff(t(c));
    const items = (await listImports(t(c), 50)).map((row) => held(importView(row), paused));
    c.header("cache-control", "no-store");
    return c.json({ items } satisfies ImportListResponse);
  });

  r.get("/api/admin/imports/:id", async (c) => {
    const tt = t(c);
    const imp = await load(tt, c.req.param("id"));
    c.header("cache-control", "no-store");
    return c.json(held(importView(imp, await rowErrors(tt, imp.id, 200)), await widgetSwitchedOff(tt)) satisfies ImportView);
  });

  r.post("/api/admin/imports/:id/preview", async (c) => {
    const tt = t(c);
    const imp = await load(tt, c.req.param("id"));
    const body = parseOr400(importPreviewRequestSchema, await c.req.json().catch(() => null));
    refuseUnlessUploaded(imp);
    const preview = await previewStored(c.env, imp, body);
    c.header("cache-control", "no-store");
    return c.json(uploadBody(imp.id, imp.fileName, preview, await accountTimeZone(c.env, tt, { waitMs: UPLOAD_ZONE_WAIT_MS })) satisfies ImportUploadResponse);
  });

  r.post("/api/admin/imports/:id/start", async (c) => {
    const tt = t(c);
    const imp = await load(tt, c.req.param("id"));
    const body = parseOr400(importStartRequestSchema, await c.req.json().catch(() => null));
    refuseUnlessUploaded(imp);
    // Another sheet or header row means other columns: they are read again (the first rows only).
    const chosen = body.sheet !== undefined || body.headerRow !== undefined;
    const headers = chosen ? (await previewStored(c.env, imp, { sheet: body.sheet, headerRow: body.headerRow })).headers : imp.headers;
    for (const [column, index] of Object.entries(body.columns)) {
      if (index >= headers.length) {
        throw new Problem("import_column_missing", { field: `columns.${column}`, column: index + 1 }, { field: `columns.${column}` });
      }
    }
    const missing = missingColumns(body.kind, headerMapping(headers, body.columns));
    if (missing) throw new Problem(missing, { field: "columns" }, { field: "columns" });
    let projectId = body.projectId ?? null;
    if (projectId !== null && !(await getProject(tt, projectId))) {
      throw new Problem("import_project_not_connected", { projectId, field: "projectId" }, { field: "projectId" });
    }
    if (projectId === null && body.kind === "leads") {
      // With one connected project its saved mapping is the account's mapping; otherwise the default one.
      const projects = await listProjects(tt);
      if (projects.length === 1) projectId = projects[0]!.projectId;
    }
    const plan: ImportPlan = {
      kind: body.kind,
      columns: body.columns,
      projectId,
      ...(body.sheet !== undefined ? { sheet: body.sheet } : {}),
      ...(body.headerRow !== undefined ? { headerRow: body.headerRow } : {}),
    };
    const started = await startImport(tt, imp.id, plan, chosen ? headers : undefined);
    if (!started) throw new Problem("import_start_conflict", { id: imp.id });
    try {
      await c.env.SYNC_QUEUE.send({ kind: "import-parse", accountId: tt.accountId, importId: imp.id });
    } catch (err) {
      await failImport(tt, imp.id, codedText("import_not_queued"));
      throw err;
    }
    await auditImport(c, imp.id, "import.started", `Import #${imp.id} of «${imp.fileName}» started as ${body.kind === "leads" ? "leads" : "call results"}.`, { kind: body.kind, columns: body.columns, projectId, sheet: body.sheet, headerRow: body.headerRow });
    return c.json(importView(started) satisfies ImportView, 202);
  });

  r.post("/api/admin/imports/:id/cancel", async (c) => {
    const tt = t(c);
    const imp = await load(tt, c.req.param("id"));
    const cancelled = await cancelImport(tt, imp.id);
    if (!cancelled) {
      throw new Problem("import_already_ended", { id: imp.id, status: imp.status });
    }
    await auditImport(c, imp.id, "import.cancelled", `Import #${imp.id} cancelled at ${cancelled.done} of ${cancelled.total} row(s); no further rows are sent to amoCRM.`, { done: cancelled.done, total: cancelled.total });
    if (cancelled.failed + cancelled.skipped > 0) {
      c.executionCtx.waitUntil(storeErrorReport(c.env, tt, cancelled).catch(() => null));
    }
    // Nobody matches rows against the contact list any more: it goes now, not when the import would have ended.
    await dropContactIndex(c.env, tt.accountId, imp.id).catch((err: unknown) => logError("import contact index not deleted", err, { importId: imp.id }));
    return c.json(importView(cancelled, await rowErrors(tt, imp.id, 200)) satisfies ImportView);
  });

  r.get("/api/admin/imports/:id/report.xlsx", async (c) => {
    const tt = t(c);
    const imp = await load(tt, c.req.param("id"));
    let key = imp.reportKey;
    if (!key && TERMINAL.some((s) => s === imp.status) && imp.failed + imp.skipped > 0) key = await storeErrorReport(c.env, tt, imp);
    const object = key ? await c.env.FILES.get(key) : null;
    if (!object) {
      throw new Problem("import_no_report", { id: imp.id });
    }
    return new Response(object.body, {
      headers: {
        "content-type": XLSX_TYPE,
        "content-disposition": `attachment; filename="import-${imp.id}-errors.xlsx"`,
        "cache-control": "no-store",
      },
    });
  });

  return r;
}

