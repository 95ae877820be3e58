// State of the advanced settings page: connected projects, cached amoCRM metadata, the LPTracker
// schema and the mapping of the chosen project, with save, metadata refresh and the admin-page link.
import { computed, signal } from "@preact/signals";
import type { AmoMetadata, LptProjectSchema, MappingRow, MappingRowView, MeResponse, StageMapEntry } from "../../../worker/src/api-types";
import type { WidgetEnv } from "../env";
import { emptyRow, rowProblem, stageMapIssues } from "../mapping-model";
import { describeError, type ErrorView } from "../problem";

export type Phase<V> = { kind: "loading" } | { kind: "ready"; value: V } | { kind: "error"; error: ErrorView };

export interface ProjectData {
  schema: LptProjectSchema;
  isDefault: boolean;
  updatedAt: number | null;
}

export function createAdvancedStore(env: WidgetEnv) {
  const { t } = env;
  const page = signal<Phase<{ me: MeResponse; projects: { id: number; name: string }[] }>>({ kind: "loading" });
  const meta = signal<AmoMetadata | null>(null);
  const projectId = signal<number | null>(null);
  const project = signal<Phase<ProjectData> | null>(null);
  const rows = signal<MappingRowView[]>([]);
  const stageMap = signal<StageMapEntry[]>([]);
  const dirty = signal(false);
  const saving = signal(false);
  const saveError = signal<ErrorView | null>(null);
  const saved = signal(false);
  const refreshing = signal(false);
  const refreshError = signal<ErrorView | null>(null);
  const adminBusy = signal(false);
  const adminError = signal<ErrorView | null>(null);
  let disposed = false;

  const fail = (err: unknown) => describeError(err, env.lang, t);

  /** Rows that would be refused, counted for the save bar. */
  const problems = computed(() => {
    const m = meta.value;
    if (!m) return 0;
    return rows.value.filter((r) => rowProblem(r, m, t) !== null).length + stageMapIssues(stageMap.value).size;
  });

  async function init() {
    page.value = { kind: "loading" };
    try {
      const [me, conn, m] = await Promise.all([env.api.me(), env.api.connection(), env.api.metadata()]);
      if (disposed) return;
      meta.value = m;
      const projects = conn.projects.filter((p) => p.selected).map((p) => ({ id: p.id, name: p.name }));
      page.value = { kind: "ready", value: { me, projects } };
      if (projects[0]) await selectProject(projects[0].id);
    } catch (err) {
      if (!disposed) page.value = { kind: "error", error: fail(err) };
    }
  }

  async function selectProject(id: number) {
    projectId.value = id;
    project.value = { kind: "loading" };
    saved.value = false;
    saveError.value = null;
    try {
      const [schema, mapping] = await Promise.all([env.api.schema(id), env.api.mapping(id)]);
      if (disposed || projectId.value !== id) return;
      rows.value = mapping.rows;
      stageMap.value = mapping.stageMap;
      dirty.value = false;
      project.value = { kind: "ready", value: { schema, isDefault: mapping.isDefault, updatedAt: mapping.updatedAt } };
    } catch (err) {
      if (!disposed && projectId.value === id) project.value = { kind: "error", error: fail(err) };
    }
  }

  function touch() {
    dirty.value = true;
    saved.value = false;
  }

  /** An edited row loses the server's `broken` marker: the local check speaks for it until saved. */
  function updateRow(id: string, next: MappingRow) {
    const { id: rowId, source, target, transform } = next;
    rows.value = rows.value.map((r) => (r.id === id ? { id: rowId, source, target, transform } : r));
    touch();
  }

  function addRow() {
    rows.value = [...rows.value, emptyRow()];
    touch();
  }

  function removeRow(id: string) {
    rows.value = rows.value.filter((r) => r.id !== id);
    touch();
  }

  /** `value` is "pipelineId:statusId", or "" to stop carrying this stage over. */
  function setStageLink(index: number | null, lptStageId: number, value: string) {
    const list = [...stageMap.value];
    const [pipeline, status] = value.split(":").map(Number);
    if (!value || !pipeline || !status) {
      if (index !== null) list.splice(index, 1);
    } else if (index === null) {
      list.push({ lptStageId, amoPipelineId: pipeline, amoStatusId: status, direction: "both" });
    } else {
      list[index] = { ...list[index]!, amoPipelineId: pipeline, amoStatusId: status };
    }
    stageMap.value = list;
    touch();
  }

  function setStageDirection(index: number, direction: StageMapEntry["direction"]) {
    stageMap.value = stageMap.value.map((e, i) => (i === index ? { ...e, direction } : e));
    touch();
  }

  function removeStageLink(index: number) {
    stageMap.value = stageMap.value.filter((_, i) => i !== index);
    touch();
  }

  async function save() {
    const id = projectId.value;
    if (id === null || saving.value) return;
    saveError.value = null;
    if (problems.value > 0) {
      saveError.value = { kind: "problem", message: t("mapping.fix_rows", { count: problems.value }), hint: null, requestId: null };
      return;
    }
    saving.value = true;
    try {
      const answer = await env.api.saveMapping(id, rows.value, stageMap.value);
      if (disposed) return;
      rows.value = answer.rows;
      stageMap.value = answer.stageMap;
      dirty.value = false;
      saved.value = true;
      const current = project.value;
      if (current?.kind === "ready") project.value = { kind: "ready", value: { ...current.value, isDefault: answer.isDefault, updatedAt: answer.updatedAt } };
    } catch (err) {
      if (!disposed) saveError.value = fail(err);
    } finally {
      if (!disposed) saving.value = false;
    }
  }

  async function refreshMetadata() {
    refreshing.value = true;
    refreshError.value = null;
    try {
      const m = await env.api.refreshMetadata();
      if (!disposed) meta.value = m;
    } catch (err) {
      if (!disposed) refreshError.value = fail(err);
    } finally {
      if (!disposed) refreshing.value = false;
    }
  }

  /**
   * The tab is opened before the request so that popup blockers see a click, then pointed at the
   * one-time link; `opener` is cut so the admin page cannot reach amoCRM's window.
   */
  async function openAdmin(open: (url: string) => Window | null = (url) => window.open(url, "_blank")) {
    adminBusy.value = true;
    adminError.value = null;
    const tab = open("about:blank");
    try {
      const { url } = await env.api.adminLink();
      if (tab) {
        tab.opener = null;
        tab.location.href = url;
      } else {
        window.open(url, "_blank", "noopener");
      }
    } catch (err) {
      tab?.close();
      if (!disposed) adminError.value = fail(err);
    } finally {
      if (!disposed) adminBusy.value = false;
    }
  }

  function dispose() {
    disposed = true;
  }

  return {
    page,
    meta,
    projectId,
    project,
    rows,
    stageMap,
    dirty,
    saving,
    saveError,
    saved,
    refreshing,
    refreshError,
    adminBusy,
    adminError,
    problems,
    init,
    selectProject,
    updateRow,
    addRow,
    removeRow,
    setStageLink,
    setStageDirection,
    removeStageLink,
    save,
    refreshMetadata,
    openAdmin,
    dispose,
  };
}

export type AdvancedStore = ReturnType<typeof createAdvancedStore>;
