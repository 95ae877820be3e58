// Loading data into a component: the answer, the error and a busy flag as signals, a reload, and
// protection against an older answer overwriting a newer one when filters change quickly.
import { useSignal, type Signal } from "@preact/signals";
import { useCallback, useEffect, useRef } from "preact/hooks";

export interface Loaded<T> {
  data: Signal<T | null>;
  error: Signal<unknown>;
  loading: Signal<boolean>;
  reload: () => Promise<void>;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const data = useSignal<T | null>(null);
  const error = useSignal<unknown>(null);
  const loading = useSignal(true);
  const seq = useRef(0);
  const run = useCallback(async () => {
    const mine = ++seq.current;
    loading.value = true;
    try {
      const value = await load();
      if (mine !== seq.current) return;
      data.value = value;
      error.value = null;
    } catch (err) {
      if (mine !== seq.current) return;
      error.value = err;
    } finally {
      if (mine === seq.current) loading.value = false;
    }
    // `load` is a fresh closure on every render: the caller's deps say when it really changed.
  }, deps);
  useEffect(() => {
    void run();
    return () => {
      seq.current++;
    };
  }, [run]);
  return { data, error, loading, reload: run };
}

/** Runs `tick` every `ms` while `active` is true; stops on unmount. */
export function usePoll(active: boolean, ms: number, tick: () => void | Promise<void>): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const loop = async () => {
      if (stopped) return;
      try {
        await saved.current();
      } finally {
        if (!stopped) timer = setTimeout(loop, ms);
      }
    };
    timer = setTimeout(loop, ms);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, ms]);
}
