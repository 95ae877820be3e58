// The Hono context type shared by every router: bindings plus what middleware puts on `c.var`.
import type { Env, Config } from "../env";
import type { Db } from "../db/client";

export interface WidgetAuth {
  accountId: number;
  userId: number;
  isAdmin: boolean;
  subdomain: string;
  issuer: string;
}

export interface AdminSession {
  accountId: number;
  userId: number;
  /** The server-side session (admin_sessions row) the request came with. */
  sid?: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    cfg: Config;
    db: Db;
    widget: WidgetAuth;
    admin: AdminSession;
  };
}
