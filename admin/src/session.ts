// Who is signed in (account, user, install state) and the signed-out state any 401 switches to.
import { signal } from "@preact/signals";
import type { AdminSessionResponse } from "../../worker/src/api-types";
import { ApiError, get, post, setUnauthorizedHandler } from "./api";

export type SessionState =
  | { kind: "loading" }
  | { kind: "signedOut"; reason: string | null; detail: string | null }
  | { kind: "error"; error: unknown }
  | { kind: "ready"; session: AdminSessionResponse };

export const session = signal<SessionState>({ kind: "loading" });

setUnauthorizedHandler((err) => {
  session.value = { kind: "signedOut", reason: err.problem?.reason ?? null, detail: err.problem?.detail ?? null };
});

export async function loadSession(): Promise<void> {
  try {
    const s = await get<AdminSessionResponse>("/api/admin/session");
    session.value = { kind: "ready", session: s };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // the handler above already switched
    session.value = { kind: "error", error: err };
  }
}

/** Signs out; when the server cannot be reached the session stays, and the error is thrown to the caller. */
export async function logout(): Promise<void> {
  try {
    await post<void>("/api/admin/logout");
  } catch (err) {
    // An expired session is as good as signed out; the 401 handler already switched the screen.
    if (err instanceof ApiError && err.status === 401) return;
    throw err;
  }
  session.value = { kind: "signedOut", reason: "logged_out", detail: null };
}
