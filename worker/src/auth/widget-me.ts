// `GET /api/widget/me`: who the widget is signed in as, whether the account's install works, and
// whether it is switched off or still waiting for amoCRM's access (the settings modal polls it).
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { getAccount } from "../db/accounts";
import { tenant } from "../db/tenant";
import type { MeResponse } from "../api-types";
import { installStatusFields } from "./install-status";
import { accessWait } from "../amocrm/install-wait";
import type { Db } from "../db/client";
import type { Config } from "../env";
import type { WidgetAuth } from "../lib/hono-env";

export async function meBody(db: Db, cfg: Config, w: WidgetAuth): Promise<MeResponse> {
  const account = await getAccount(tenant(db, w.accountId));
  const body: MeResponse = {
    account_id: w.accountId,
    subdomain: w.subdomain,
    user_id: w.userId,
    is_admin: w.isAdmin,
    ...installStatusFields(account),
  };
  if (account?.pausedAt != null) body.paused = true;
  const wait = account ? await accessWait(db, cfg, account) : null;
  if (wait) body.access = wait;
  return body;
}

export function widgetMeRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/api/widget/me", async (c) => {
    c.header("cache-control", "no-store");
    return c.json(await meBody(c.var.db, c.var.cfg, c.var.widget));
  });
  return r;
}
