// Entry of actions.js: the Digital Pipeline action's settings and the list action panel, loaded by
// script.js only when amoCRM calls dpSettings or leads/contacts.selected (never in cards).
import { h, render } from "preact";
import { createEnv, type HostInput } from "./env";
import { createActionApi } from "./actions/action-api";
import { DP_FIELDS, DpSettings, type DpValues } from "./actions/DpSettings";
import { ListPanel, type Selection } from "./actions/ListPanel";

/** The part of amoCRM's widget object these views use. */
export interface HostWidget {
  get_settings?: () => { widget_code?: string } | null;
  params?: { widget_code?: string };
  list_selected?: () => { count_selected?: number | string; selected?: { id: number | string; type?: string; name?: string }[] } | null;
  render_template?: (o: { caption: { class_name: string }; body: string; render: string }) => void;
}

let seq = 0;

function newRoot(kind: string, code: string): HTMLElement {
  const el = document.createElement("div");
  el.className = `lptw-root lptw-${kind}-root`;
  el.id = `lptw-${code}-${kind}-${++seq}`;
  return el;
}

/** amoCRM names the action's fields by the dp.settings codes (plain or inside brackets). */
function findField(scope: Element, code: string): HTMLInputElement | HTMLTextAreaElement | null {
  for (const el of Array.from(scope.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input[name], textarea[name]"))) {
    if (el.name === code || el.name.endsWith(`[${code}]`)) return el;
  }
  return null;
}

/**
 * dpSettings: amoCRM renders the action's quick-settings block with an input per dp.settings code;
 * our pickers replace them (they stay in the form, hidden, and carry the values amoCRM saves).
 */
function mountDp(host: HostInput, code: string): Element | null {
  const block = document.querySelector(`.digital-pipeline__short-task_widget-style_${code}`);
  if (!block) return null;
  const scope = block.closest("form") ?? block.parentElement?.parentElement ?? block;
  const fields = Object.fromEntries(DP_FIELDS.map((f) => [f, findField(scope, f)])) as Record<(typeof DP_FIELDS)[number], HTMLInputElement | HTMLTextAreaElement | null>;
  for (const f of Object.values(fields)) {
    if (!f) continue;
    const row = f.closest(".widget_settings_block__item_field, .digital-pipeline__field") ?? f;
    (row as HTMLElement).style.display = "none";
  }
  const initial = Object.fromEntries(DP_FIELDS.map((f) => [f, fields[f]?.value ?? ""])) as DpValues;
  const write = (values: DpValues) => {
    for (const f of DP_FIELDS) {
      const input = fields[f];
      if (!input || input.value === values[f]) continue;
      input.value = values[f];
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  };
  const el = newRoot("dp", code);
  block.appendChild(el);
  render(<DpSettings env={createEnv(host, createActionApi)} initial={initial} write={write} />, el);
  return el;
}

function selectionOf(widget: HostWidget, entity: "leads" | "contacts"): Selection {
  const raw = (typeof widget.list_selected === "function" && widget.list_selected()) || {};
  const selected = (raw.selected ?? [])
    .map((s) => ({ id: Number(s.id), type: s.type === "company" ? ("company" as const) : entity === "leads" ? ("lead" as const) : ("contact" as const), name: typeof s.name === "string" ? s.name : undefined }))
    .filter((s) => Number.isSafeInteger(s.id) && s.id > 0);
  const count = Number(raw.count_selected);
  return { entity, selected, countSelected: Number.isFinite(count) && count > selected.length ? count : selected.length };
}

/** leads.selected / contacts.selected: the widget's panel next to the list, for the rows checked now. */
function mountList(widget: HostWidget, host: HostInput, entity: "leads" | "contacts", code: string): Element | null {
  const root = newRoot("list", code);
  if (typeof widget.render_template !== "function") return null;
  widget.render_template({ caption: { class_name: "lptw-caption" }, body: "", render: root.outerHTML });
  const el = document.getElementById(root.id);
  if (!el) return null;
  render(<ListPanel env={createEnv(host, createActionApi)} selection={selectionOf(widget, entity)} />, el);
  return el;
}

/** What script.js calls for each callback: dpSettings, or `<entity>.selected` (companies sit in the contacts list). */
export function mount(callback: string, widget: HostWidget, host: HostInput): Element | null {
  // The same widget code script.js uses for its roots (amoCRM assigns it per install).
  const code = (typeof widget.get_settings === "function" && widget.get_settings()?.widget_code) || widget.params?.widget_code || "lptracker";
  if (callback === "dpSettings") return mountDp(host, code);
  return mountList(widget, host, callback === "leads" ? "leads" : "contacts", code);
}

/** script.js unmounts whatever a mount returned, nothing included. */
export function unmount(el: Element | null): void {
  if (el) render(null, el);
}
