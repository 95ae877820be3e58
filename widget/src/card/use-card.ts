// State of one card panel: loading the card, «Синхронизировать» with polling until the queued
// events finish, and linking a suggested LPTracker lead. Plain hooks rather than signals: the card
// bundle has a 15 KB gzip budget and signals' Preact integration alone would take a quarter of it.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CardResponse } from "../../../worker/src/api-types";
import { pollDelayMs, syncProgress, SYNC_WAIT_LIMIT_MS } from "../card-sync";
import { describeError, pickLanguage, storedText, type ErrorView } from "../problem";
import type { CardApi } from "../api";
import type { WidgetEnv } from "../env";
import type { CardEntity } from "../requests";

export type LoadState = { kind: "loading" } | { kind: "ready"; card: CardResponse } | { kind: "error"; error: ErrorView };
export type SyncState = { kind: "idle" } | { kind: "running" } | { kind: "done" } | { kind: "slow" } | { kind: "failed"; message: string };

export interface CardModel {
  load: LoadState;
  sync: SyncState;
  reinstallAction: string | null;
  linking: number | null;
  linkError: ErrorView | null;
  refresh(): void;
  syncNow(): void;
  link(lptLeadId: number): void;
}

export function useCard(env: WidgetEnv<CardApi>, entity: CardEntity, id: number, active: boolean): CardModel {
  const [load, setLoad] = useState<LoadState>({ kind: "loading" });
  const [sync, setSync] = useState<SyncState>({ kind: "idle" });
  const [reinstallAction, setReinstallAction] = useState<string | null>(null);
  const [linking, setLinking] = useState<number | null>(null);
  const [linkError, setLinkError] = useState<ErrorView | null>(null);
  // Answers that arrive after the card was closed must not touch it.
  const alive = useRef(true);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const syncing = useRef(false);

  const fail = (err: unknown) => describeError(err, env.lang, env.t);

  const show = (card: CardResponse) => {
    setLoad({ kind: "ready", card });
    if (card.install_status === "reauth_required") {
      // The card answer has no `action`; /me carries the text that says what to do.
      env.api.me().then(
        (me) => alive.current && me.action && setReinstallAction(storedText(me.action, me.actionText, env.lang, env.t)),
        () => undefined,
      );
    }
  };

  const refresh = async (quiet = false) => {
    if (!quiet) setLoad({ kind: "loading" });
    try {
      const card = await env.api.card(entity, id);
      if (alive.current) show(card);
    } catch (err) {
      if (alive.current) setLoad({ kind: "error", error: fail(err) });
    }
  };

  const wait = (ms: number) => new Promise<void>((resolve) => (timer.current = setTimeout(resolve, ms)));

  const syncNow = async () => {
    if (syncing.current) return;
    syncing.current = true;
    setSync({ kind: "running" });
    try {
      const queued = await env.api.syncCard(entity, id);
      const started = env.now();
      for (let attempt = 0; alive.current; attempt++) {
        if (queued.eventIds.length) await wait(pollDelayMs(attempt));
        if (!alive.current) return;
        const card = await env.api.card(entity, id);
        if (!alive.current) return;
        setLoad({ kind: "ready", card });
        const progress = syncProgress(card, queued.eventIds);
        if (progress.state === "done") return setSync({ kind: "done" });
        if (progress.state === "failed") return setSync({ kind: "failed", message: progress.errors.filter(Boolean).map((e) => pickLanguage(e, env.lang)).join("; ") || env.t("card.sync_failed_unknown") });
        if (env.now() - started > SYNC_WAIT_LIMIT_MS) return setSync({ kind: "slow" });
      }
    } catch (err) {
      if (alive.current) setSync({ kind: "failed", message: fail(err).message });
    } finally {
      syncing.current = false;
    }
  };

  const link = async (lptLeadId: number) => {
    setLinking(lptLeadId);
    setLinkError(null);
    try {
      await env.api.linkCard(entity, id, lptLeadId);
      if (alive.current) await refresh(true);
    } catch (err) {
      if (alive.current) setLinkError(fail(err));
    } finally {
      if (alive.current) setLinking(null);
    }
  };

  useEffect(() => {
    alive.current = true;
    if (active) void refresh();
    return () => {
      alive.current = false;
      clearTimeout(timer.current);
    };
  }, [env, entity, id, active]);

  return {
    load,
    sync,
    reinstallAction,
    linking,
    linkError,
    refresh: () => void refresh(),
    syncNow: () => void syncNow(),
    link: (lptLeadId) => void link(lptLeadId),
  };
}
