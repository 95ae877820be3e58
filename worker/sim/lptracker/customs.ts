// Lead custom-field values: what each field type accepts (a `cats` field takes option names,
// one or an array when multi-select, per §2.3) and how values are listed back as {id,name,type,value}.
import { invalid } from "./envelope";
import type { ProjectRec } from "./store";
import type { CustomField } from "./types";

export function findCustom(project: ProjectRec, id: number | string): CustomField | undefined {
  return project.customs.find((c) => String(c.id) === String(id));
}

/** Normalised value, or null to clear the field; 400 when the value does not fit the type. */
export function normaliseCustomValue(field: CustomField, value: unknown): unknown {
  if (value === null || value === undefined || value === "") return null;
  const bad = () => invalid(`Invalid value for custom field ${field.id}`);
  switch (field.type) {
    case "cats": {
      const names = Array.isArray(value) ? value : [value];
      if (names.length === 0) return null;
      for (const n of names) {
        if (typeof n !== "string" || !field.categories.some((c) => c.name === n)) throw bad();
      }
      if (field.is_multi_select) return names;
      if (names.length > 1) throw bad();
      return names[0];
    }
    case "number": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) throw bad();
      return n;
    }
    default:
      if (typeof value !== "string" && typeof value !== "number") throw bad();
      return String(value);
  }
}

export function listCustoms(project: ProjectRec, values: Map<number, unknown>) {
  return project.customs.map((c) => ({ id: c.id, name: c.name, type: c.type, value: values.get(c.id) ?? null }));
}
