// Short confirmations ("Saved", "Queued for replay") shown in one polite live region.
import { signal } from "@preact/signals";

export interface Toast {
  id: number;
  text: string;
  tone: "ok" | "error";
}

export const toasts = signal<Toast[]>([]);
let next = 1;

export function toast(text: string, tone: Toast["tone"] = "ok"): void {
  const id = next++;
  toasts.value = [...toasts.value, { id, text, tone }];
  setTimeout(() => {
    toasts.value = toasts.value.filter((x) => x.id !== id);
  }, 4000);
}
