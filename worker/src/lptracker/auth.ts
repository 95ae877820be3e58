// LPTracker login: POST /login with login, password, service and version; the token goes in a
// header literally named `token` on every later call. There is no refresh: log in again on 401.
import type { Config } from "../env";
import { readEnvelope } from "./envelope";
import { lptLoginAnswerSchema } from "../contracts/lptracker";
import { errorName } from "../lib/error-text";

export const LPT_SERVICE_NAME = "amoCRM sync";

export class LptLoginError extends Error {
  constructor(
    readonly kind: "credentials" | "transient",
    message: string,
  ) {
    super(message);
  }
}

export async function lptLogin(cfg: Config, login: string, password: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${cfg.lptApiOrigin}/login`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ login, password, service: LPT_SERVICE_NAME, version: "1.0" }),
      signal: AbortSignal.timeout(cfg.lptTimeoutMs),
    });
  } catch (err) {
    throw new LptLoginError("transient", `LPTracker did not answer the login: ${errorName(err)}`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* handled below */
  }
  const env = readEnvelope(res.status, body);
  if (!env.ok) {
    if (env.code === 401 || env.code === 403) throw new LptLoginError("credentials", `LPTracker refused the login: ${env.message}`);
    throw new LptLoginError("transient", `LPTracker login failed (${env.code}): ${env.message}`);
  }
  const token = lptLoginAnswerSchema.safeParse(env.result).data?.token;
  if (!token) throw new LptLoginError("transient", "LPTracker login answered without a token");
  return token;
}
