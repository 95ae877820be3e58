// The amoCRM metadata and LPTracker projects the rule constructor picks from, loaded once per visit
// and shared by every editor; refreshed on request when amoCRM changed.
import { signal } from "@preact/signals";
import type { AmoMetadata } from "../../worker/src/api-types";
import type { AdminLptResponse } from "./api-extra";
import { get, post } from "./api";

export const metadata = signal<AmoMetadata | null>(null);
export const lptInfo = signal<AdminLptResponse | null>(null);
export const metaError = signal<unknown>(null);

let pending: Promise<void> | null = null;

export function loadMeta(force = false): Promise<void> {
  if (!force && metadata.value && lptInfo.value) return Promise.resolve();
  if (pending && !force) return pending;
  pending = (async () => {
    try {
      const [meta, lpt] = await Promise.all([
        force ? post<AmoMetadata>("/api/admin/metadata/refresh") : get<AmoMetadata>("/api/admin/metadata"),
        get<AdminLptResponse>("/api/admin/lptracker"),
      ]);
      metadata.value = meta;
      lptInfo.value = lpt;
      metaError.value = null;
    } catch (err) {
      metaError.value = err;
    } finally {
      pending = null;
    }
  })();
  return pending;
}
