// `GET /api/widget/me`: who the widget is signed in as and whether the account's install works.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { getAccount } from "../db/accounts";
import { tenant } from "../db/tenant";
import type { MeResponse } from "../api-types";
import { installStatusFields } from "./install-status";

export function widgetMeRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/api/widget/me", async (c) => {
    const w = c.var.widget;
    const account = await getAccount(tenant(c.var.db, w.accountId));
    const body: MeResponse = {
      account_id: w.accountId,
      subdomain: w.subdomain,
      user_id: w.userId,
      is_admin: w.isAdmin,
      ...installStatusFields(account),
    };
    c.header("cache-control", "no-store");
    return c.json(body);
  });
  return r;
}
