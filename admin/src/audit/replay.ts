// Replaying events (one, or every failed one a filter selects) and the toast that says what happened.
import type { ReplayResponse } from "../../../worker/src/api-types";
import { post } from "../api";
import { lang, t, tn } from "../i18n";
import { errorText } from "../problem";
import { toast } from "../ui/toast";

function fail(err: unknown): void {
  toast(errorText(err, lang.value, { network: t("error.network"), server: (status) => t("error.server", { status }) }).message, "error");
}

export async function replayOne(id: number): Promise<boolean> {
  try {
    const r = await post<ReplayResponse>(`/api/admin/events/${id}/replay`);
    toast(r.replayed ? t("replay.queuedOne", { id }) : t("replay.nothing"));
    return r.replayed > 0;
  } catch (err) {
    fail(err);
    return false;
  }
}

export interface ReplayFilter {
  source?: string;
  from?: number;
  to?: number;
}

export async function replayFailed(f: ReplayFilter): Promise<number> {
  try {
    const r = await post<ReplayResponse>("/api/admin/events/replay", { status: "failed", ...f });
    toast(r.replayed ? tn("replay.queuedMany", r.replayed) : t("replay.nothing"));
    return r.replayed;
  } catch (err) {
    fail(err);
    return 0;
  }
}
