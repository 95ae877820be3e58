// The widget's API (/api/widget/*, signed in by amoCRM's X-Auth-Token): LPTracker connection,
// cached metadata, field mapping, and the card panel with "sync now".
import { Hono } from "hono";
import { jsonBody, parseOr400 as parse, queryOf } from "../lib/validate";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { tenant } from "../db/tenant";
import { requireWidgetAdmin } from "../auth";
import { connectionView, saveLptConnection } from "../lptracker/connection";
import { lptProjectSchema } from "../lptracker/project-schema";
import { getMetadata, refreshMetadata } from "../amocrm/metadata";
import { getProject } from "../db/lptracker";
import { writeAudit } from "../db/audit";
import { getAccount } from "../db/accounts";
import { buildCard, cardScope } from "../sync/card";
import { findLinkByLpt, findLinksByAmo, upsertLink } from "../db/links";
import { LptClient } from "../lptracker/client";
import { normalizeLptLead } from "../sync/mapping/lpt-lead";
import type { LeadSnapshot } from "../sync/run/lpt-to-amo";
import { insertEvent } from "../db/events";
import { mappingRoutes } from "./widget-mapping";
import { unsortedSettingRoutes } from "./widget-unsorted";
import { leadPolicyRoutes } from "./widget-lead-policy";
import type { AccountSettings } from "../db/schema";
import { accounts } from "../db/schema";
import { eq } from "drizzle-orm";
import { ensurePendingAccount } from "../db/accounts";
import { hostOf } from "../auth/widget-token";
import { meBody } from "../auth/widget-me";
import { switchWidget } from "../sync/run/switch";
import type { MeResponse } from "../api-types";
import { cardLinkRequestSchema, cardQuerySchema, lptConnectionRequestSchema, widgetStateRequestSchema } from "../contracts/widget";
import { lptLeadProjectSchema } from "../contracts/lptracker";

export function widgetRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.widget.accountId);

  r.get("/api/widget/lptracker", async (c) => c.json(await connectionView(c.env, t(c))));

  r.put("/api/widget/lptracker", requireWidgetAdmin, async (c) => {
    const raw: unknown = await c.req.json().catch(() => null);
    if (!raw) throw new Problem("connection_body_missing");
    const body = parse(lptConnectionRequestSchema, raw);
    const tt = t(c);
    // amoCRM may run onSave before it delivers the OAuth code: the signed token proves the account,
    // so the connection is kept on a pending account until the code is exchanged.
    const w = c.var.widget;
    const account = (await getAccount(tt)) ?? (await ensurePendingAccount(tt, { subdomain: w.subdomain, domain: hostOf(w.issuer) ?? `${w.subdomain}.amocrm.ru` }));
    const settings: AccountSettings = account.settings ?? {};
    if (body.consent !== true && !settings.consentAt) {
      throw new Problem("consent_required", { field: "consent" }, { field: "consent" });
    }
    if (body.consent === true && !settings.consentAt) {
      await c.var.db
        .update(accounts)
        .set({ settings: { ...settings, consentAt: Date.now(), consentBy: c.var.widget.userId } })
        .where(eq(accounts.accountId, tt.accountId));
      await writeAudit(tt, { source: "widget", action: "consent.given", actor: `amo-user:${c.var.widget.userId}`, message: "Consent to send data to our server was given." });
    }
    const view = await saveLptConnection(c.env, tt, body, `amo-user:${c.var.widget.userId}`);
    if (body.active === true) await switchWidget(c.env, tt, true, c.var.widget.userId);
    return c.json(view);
  });

  // amoCRM's onSave: evt.active 'N' when the widget is switched off (then destroy), 'Y' when it is
  // switched on. Off only records the pause (never blocked by LPTracker or an empty password).
  r.put("/api/widget/state", requireWidgetAdmin, jsonBody(widgetStateRequestSchema, {}), async (c) => {
    const body = c.req.valid("json");
    const tt = t(c);
    const w = c.var.widget;
    if (!(await getAccount(tt))) {
      // Switching off what was never saved has nothing to pause; switching on starts the wait for amoCRM.
      if (!body.active) return c.json({ account_id: w.accountId, subdomain: w.subdomain, user_id: w.userId, is_admin: w.isAdmin, install_status: "not_installed" } satisfies MeResponse);
      await ensurePendingAccount(tt, { subdomain: w.subdomain, domain: hostOf(w.issuer) ?? `${w.subdomain}.amocrm.ru` });
    }
    await switchWidget(c.env, tt, body.active, w.userId);
    return c.json(await meBody(c.var.db, c.var.cfg, w));
  });

  r.get("/api/widget/lptracker/projects/:id/schema", async (c) => {
    const projectId = Number(c.req.param("id"));
    const tt = t(c);
    if (!(await getProject(tt, projectId))) throw new Problem("lpt_project_not_connected", { projectId });
    return c.json(await lptProjectSchema(c.env, tt, projectId, { fresh: c.req.query("fresh") === "1" }));
  });

  r.get("/api/widget/metadata", async (c) => {
    const tt = t(c);
    const meta = await getMetadata(tt);
    return c.json(meta.fetchedAt === null ? await refreshMetadata(c.env, tt) : meta);
  });

  r.post("/api/widget/metadata/refresh", requireWidgetAdmin, async (c) => {
    const tt = t(c);
    const meta = await refreshMetadata(c.env, tt);
    await writeAudit(tt, { source: "widget", action: "metadata.refreshed", actor: `amo-user:${c.var.widget.userId}`, message: "amoCRM metadata refreshed on demand." });
    return c.json(meta);
  });

  r.get("/api/widget/card", queryOf(cardQuerySchema), async (c) => {
    const q = c.req.valid("query");
    c.header("cache-control", "no-store");
    return c.json(await buildCard(c.env, t(c), q.entity, q.id, c.var.widget));
  });

  // Syncing writes into amoCRM with the install's admin token, past the manager's own field rights, so it is an admin's action.
  r.post("/api/widget/card/sync", requireWidgetAdmin, jsonBody(cardQuerySchema, {}), async (c) => {
    const q = c.req.valid("json");
    const tt = t(c);
    const scope = await cardScope(c.env, tt, c.var.widget, q.entity, q.id);
    const links = await findLinksByAmo(tt, "lead", scope.leadIds);
    if (!links.length) throw new Problem("card_not_linked");
    const eventIds: number[] = [];
    for (const link of links) {
      const id = await insertEvent(tt, {
        source: "manual",
        action: "sync",
        dedupeKey: `manual:${link.lptId}:${Date.now()}:${crypto.randomUUID()}`,
        projectId: link.projectId,
        externalId: link.lptId,
        payload: JSON.stringify({ id: Number(link.lptId), requestedBy: c.var.widget.userId }),
      });
      if (id) eventIds.push(id);
    }
    if (eventIds.length) await c.env.SYNC_QUEUE.sendBatch(eventIds.map((eventId) => ({ body: { kind: "event" as const, accountId: tt.accountId, eventId } })));
    await writeAudit(tt, { source: "widget", action: "card.sync", actor: `amo-user:${c.var.widget.userId}`, message: `Sync requested from the ${q.entity === "leads" ? "lead" : "contact"} card ${q.id}.`, entityType: `amo_${q.entity === "leads" ? "lead" : "contact"}`, entityId: q.id });
    return c.json({ queued: eventIds.length, eventIds });
  });

  // Links the card to an LPTracker lead the user picked from the suggestions, then syncs it.
  r.post("/api/widget/card/link", requireWidgetAdmin, jsonBody(cardLinkRequestSchema, {}), async (c) => {
    const body = c.req.valid("json");
    const tt = t(c);
    const existing = await findLinkByLpt(tt, "lead", body.lptLeadId);
    if (existing && existing.amoId !== String(body.id)) {
      throw new Problem("card_lead_already_linked", { amoId: existing.amoId });
    }
    const lead = await new LptClient(c.env, tt.accountId).lead(body.lptLeadId).catch(() => null);
    const ref = lptLeadProjectSchema.safeParse(lead).data;
    const projectId = Number(ref?.project_id ?? ref?.contact?.project_id ?? 0);
    const project = lead && projectId ? await getProject(tt, projectId) : null;
    if (!lead || !project) throw new Problem("lpt_lead_not_in_project", { lptLeadId: body.lptLeadId });
    if (body.entity === "leads") {
      // Until the queued sync fills it in, the card shows what LPTracker just told us.
      const l = normalizeLptLead(lead);
      const snapshot: LeadSnapshot = {
        name: l.name,
        projectId,
        projectName: project.name ?? null,
        stage: { id: l.stage?.id ?? null, name: l.stage?.name ?? null },
        view: { ...l.view },
        createdAt: l.createdAt ?? l.leadDate,
        fields: [],
        syncedAt: 0,
      };
      await upsertLink(tt, "lead", body.lptLeadId, body.id, projectId, { linkedBy: c.var.widget.userId, snapshot });
    }
    const eventId = await insertEvent(tt, {
      source: "manual",
      action: "link",
      dedupeKey: `manual-link:${body.lptLeadId}:${Date.now()}`,
      projectId,
      externalId: String(body.lptLeadId),
      payload: JSON.stringify({ id: body.lptLeadId, project_id: projectId, linkedTo: body }),
    });
    if (eventId) await c.env.SYNC_QUEUE.send({ kind: "event", accountId: tt.accountId, eventId });
    await writeAudit(tt, { source: "widget", action: "card.linked", actor: `amo-user:${c.var.widget.userId}`, message: `LPTracker lead ${body.lptLeadId} linked from the ${body.entity === "leads" ? "lead" : "contact"} card ${body.id}.`, eventId: eventId ?? undefined });
    return c.json({ queued: eventId ? 1 : 0, eventIds: eventId ? [eventId] : [] });
  });

  r.route("/", mappingRoutes());
  r.route("/", unsortedSettingRoutes());
  r.route("/", leadPolicyRoutes());
  return r;
}
