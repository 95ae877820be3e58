// GET /lead/{project_id}/list semantics: offset/limit paging (limit at most 200), `sort[field]=3`
// for descending and `4` for ascending (PHP's SORT_DESC/SORT_ASC, §2.5), and `filter[...]` bounds.
import { unix } from "./dates";
import { invalid } from "./envelope";
import { optInt } from "./input";
import type { LeadRec, ProjectRec, UserRec } from "./store";

const SORTABLE: Record<string, (l: LeadRec) => number> = {
  id: (l) => l.id,
  created_at: (l) => l.createdAt,
  updated_at: (l) => l.updatedAt,
  lead_date: (l) => l.leadDate,
};

const BOUNDS: Record<string, [(l: LeadRec) => number, "from" | "to"]> = {
  created_at_from: [(l) => unix(l.createdAt), "from"],
  created_at_to: [(l) => unix(l.createdAt), "to"],
  updated_at_from: [(l) => unix(l.updatedAt), "from"],
  updated_at_to: [(l) => unix(l.updatedAt), "to"],
};

export const MAX_LIMIT = 200;
export const DEFAULT_LIMIT = 20;

export function listLeads(user: UserRec, project: ProjectRec, q: URLSearchParams): LeadRec[] {
  const offset = optInt(q.get("offset"), "offset") ?? 0;
  const limit = optInt(q.get("limit"), "limit") ?? DEFAULT_LIMIT;
  if (offset < 0) throw invalid("Invalid offset");
  if (limit < 1 || limit > MAX_LIMIT) throw invalid(`Invalid limit, maximum is ${MAX_LIMIT}`);

  let leads = [...user.leads.values()].filter((l) => l.projectId === project.id && !l.deleted);
  const sorts: [(l: LeadRec) => number, number][] = [];
  for (const [key, value] of q) {
    const sort = /^sort\[(\w+)\]$/.exec(key);
    if (sort) {
      const get = SORTABLE[sort[1]!];
      if (!get || (value !== "3" && value !== "4")) throw invalid(`Invalid sort ${key}=${value}`);
      sorts.push([get, value === "3" ? -1 : 1]);
    }
    const filter = /^filter\[(\w+)\]$/.exec(key);
    const bound = filter && BOUNDS[filter[1]!];
    if (bound) {
      const limitValue = optInt(value, key)!;
      const [get, side] = bound;
      leads = leads.filter((l) => (side === "from" ? get(l) >= limitValue : get(l) <= limitValue));
    }
  }
  const isDeal = q.get("is_deal");
  if (isDeal !== null) {
    const deals = isDeal === "true" || isDeal === "1";
    const stage = (l: LeadRec) => project.stages.find((s) => s.id === l.stageId)!;
    leads = leads.filter((l) => (deals ? stage(l).in_deals : stage(l).in_leads));
  }
  // Ties fall back to id in the direction of the last sort key, so pages never overlap.
  const tieDir = sorts.at(-1)?.[1] ?? 1;
  leads.sort((a, b) => {
    for (const [get, dir] of sorts) {
      const d = get(a) - get(b);
      if (d !== 0) return d * dir;
    }
    return (a.id - b.id) * tieDir;
  });
  return leads.slice(offset, offset + limit);
}
