// Connecting an amoCRM account to LPTracker: check the login (nothing is saved when it fails),
// seal the password, pick projects and register our webhook on each of them.
import type { z } from "zod";
import type { Env } from "../env";
import { config } from "../env";
import type { Tenant } from "../db/tenant";
import { getConnection, listProjects, saveConnection, selectProjects, setHookStatus } from "../db/lptracker";
import { writeAudit } from "../db/audit";
import { secretBox } from "../lib/secret-box";
import { Problem } from "../lib/problem";
import { lptGate, lptPasswordContext } from "./gate";
import { LptClient, LptError, type LptProject } from "./client";
import type { LptConnectionResponse, lptConnectionRequestSchema } from "../contracts/widget";
import { codedText, type CodedText } from "../lib/errors";
import { errorText } from "../lib/error-text";

/** What GET/PUT /api/widget/lptracker answer (contracts/widget.ts). */
export type ConnectionView = LptConnectionResponse;

export async function connectionView(env: Env, t: Tenant): Promise<ConnectionView> {
  const conn = await getConnection(t);
  const saved = await listProjects(t);
  if (!conn) return { connected: false, login: null, status: null, lastError: null, projects: [] };
  let live: LptProject[] = [];
  let warning: CodedText | undefined;
  try {
    live = await new LptClient(env, t.accountId).projects();
  } catch (err) {
    warning = codedText("lpt_projects_unavailable", { reason: errorText(err) });
  }
  // Projects of an earlier login stay stored (their webhook keys) but are not offered again.
  const ids = new Set([...live.map((p) => p.id), ...saved.filter((s) => s.enabled || !live.length).map((s) => s.projectId)]);
  const projects = [...ids].map((id) => {
    const l = live.find((p) => p.id === id);
    const s = saved.find((p) => p.projectId === id);
    return { id, name: l?.name ?? s?.name ?? `#${id}`, selected: !!s?.enabled, hookStatus: s?.enabled ? s.hookStatus : null, hookError: s?.enabled ? s.hookError : null };
  });
  return { connected: true, login: conn.login, status: conn.status, lastError: conn.lastError, projects, ...(warning ? { warning: warning.text, warningText: warning.ref } : {}) };
}

async function sameProjects(t: Tenant, wanted: number[]): Promise<boolean> {
  const enabled = (await listProjects(t)).filter((p) => p.enabled);
  const want = new Set(wanted);
  return enabled.length === want.size && enabled.every((p) => want.has(p.projectId) && p.hookStatus === "registered");
}

export async function saveLptConnection(env: Env, t: Tenant, input: z.output<typeof lptConnectionRequestSchema>, actor: string): Promise<ConnectionView> {
  const cfg = config(env);
  const box = secretBox(cfg.encryptionKey);
  const existing = await getConnection(t);
  let password = input.password;
  if (!password) {
    if (!existing || existing.login !== input.login) throw new Problem("lpt_password_required", { field: "password" }, { field: "password" });
    // amoCRM's onSave sends the form as it is, password empty: keep what is stored and ask LPTracker
    // nothing unless something changed (a working login, the same projects, all hooks in place).
    if (existing.status === "active" && (await sameProjects(t, input.projects))) return connectionView(env, t);
    password = await box.open(existing.sealedPassword, lptPasswordContext(t.accountId));
  }
  const check = (await lptGate(env, t.accountId).checkLogin(input.login, password)) as { ok: true; token: string } | { ok: false; kind: "credentials" | "transient"; detail: string };
  if (!check.ok) {
    if (check.kind === "credentials") {
      throw new Problem("lpt_login_failed", { reason: check.detail, field: "password" }, { field: "password" });
    }
    throw new Problem("lpt_unreachable", { reason: check.detail });
  }
  const token = check.token;
  const conn = await saveConnection(t, input.login, await box.seal(password, lptPasswordContext(t.accountId)));
  await lptGate(env, t.accountId).seedToken(t.accountId, token);
  const client = new LptClient(env, t.accountId);
  const all = await client.projects();
  const unknown = input.projects.filter((id) => !all.some((p) => p.id === id));
  if (unknown.length) throw new Problem("lpt_projects_not_found", { projects: unknown.join(", ") });
  const chosen = all.filter((p) => input.projects.includes(p.id));
  const rows = await selectProjects(t, conn.id, chosen.map((p) => ({ id: p.id, name: p.name })));
  for (const row of rows.filter((r) => r.enabled)) {
    const url = `${cfg.publicOrigin}/hooks/lptracker/${row.hookKey}`;
    try {
      await client.ensureCallbackUrl(row.projectId, url);
      await setHookStatus(t, row.projectId, "registered", null);
    } catch (err) {
      const msg = err instanceof LptError ? err.message : String(err);
      await setHookStatus(t, row.projectId, "failed", msg);
    }
  }
  await writeAudit(t, {
    source: "widget",
    action: existing ? "lptracker.connection_updated" : "lptracker.connected",
    actor,
    message: `LPTracker ${existing ? "connection updated" : "connected"} as ${input.login}; projects: ${chosen.map((p) => p.name).join(", ") || "none"}.`,
    entityType: "lpt_connection",
    entityId: conn.id,
  });
  return connectionView(env, t);
}
