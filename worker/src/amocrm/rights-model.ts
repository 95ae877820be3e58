// amoCRM's access rules as pure functions: reads a user's rights from the users API and decides
// whether that user may view or edit a lead or contact, the way amoCRM's own interface decides.
// Anything unknown or malformed counts as D (denied): a gap in what amoCRM told us never leaks data.
import { z } from "zod";

/** A all, G the responsible user's group, M only as the responsible user, D none. */
export type Access = "A" | "G" | "M" | "D";
export type Action = "view" | "edit";

export interface EntityRights {
  view: Access;
  edit: Access;
}

export interface StatusRight {
  pipelineId: number;
  statusId: number;
  rights: EntityRights;
}

export interface ViewerRights {
  userId: number;
  isAdmin: boolean;
  /** amoCRM's first group has id 0; null means the user's group is not known. */
  groupId: number | null;
  leads: EntityRights;
  contacts: EntityRights;
  /** Per pipeline status: replaces the base lead rights for leads in that status. */
  statusRights: StatusRight[];
}

export interface EntityFacts {
  type: "leads" | "contacts";
  responsibleUserId: number | null;
  pipelineId?: number | null;
  statusId?: number | null;
}

const RANK: Record<Access, number> = { A: 0, G: 1, M: 2, D: 3 };

function access(value: unknown): Access {
  return value === "A" || value === "G" || value === "M" || value === "D" ? value : "D";
}

/** The narrower of two levels (edit is never broader than view in amoCRM). */
function narrower(a: Access, b: Access): Access {
  return RANK[a] >= RANK[b] ? a : b;
}

/** A bag of fields from amoCRM: anything that is not an object reads as an empty one. */
const fieldsSchema = z.record(z.string(), z.unknown()).catch({});

function entityRights(raw: unknown): EntityRights {
  const r = fieldsSchema.parse(raw);
  const view = access(r.view);
  return { view, edit: narrower(access(r.edit), view) };
}

/** The parts of a user the rights are read from, each left empty when amoCRM sent something else. */
const userSchema = z.object({
  id: z.unknown(),
  rights: fieldsSchema.optional(),
  _embedded: z
    .object({
      groups: z.array(fieldsSchema).catch([]).optional(),
      roles: z.array(z.object({ rights: fieldsSchema.optional() }).catch({})).catch([]).optional(),
    })
    .catch({})
    .optional(),
});
const listSchema = z.array(z.unknown());

function intOrNull(v: unknown): number | null {
  const n = typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Reads `GET /api/v4/users/{id}?with=role,group`. The group comes from `rights.group_id`, else from
 * `_embedded.groups[0]`; when the user's own rights lack an entity but the embedded role has it,
 * the role's rights apply (amoCRM shows effective rights on the user, the role is a fallback).
 * Returns null when the body is not a user.
 */
export function parseUserRights(raw: unknown, knownGroups?: ReadonlySet<number>): ViewerRights | null {
  const parsed = userSchema.safeParse(raw);
  if (!parsed.success) return null;
  const u = parsed.data;
  const userId = intOrNull(u.id);
  if (!userId) return null;
  const rights = u.rights ?? {};
  const role = u._embedded?.roles?.[0]?.rights ?? {};
  const pick = (key: "leads" | "contacts") => entityRights(rights[key] ?? role[key]);
  let groupId = intOrNull(rights.group_id) ?? intOrNull(u._embedded?.groups?.[0]?.id);
  // A group the account no longer lists cannot make anybody a group mate.
  if (groupId !== null && knownGroups && knownGroups.size && !knownGroups.has(groupId)) groupId = null;
  const statusRaw = listSchema.safeParse(rights.status_rights).data ?? listSchema.safeParse(role.status_rights).data ?? [];
  const statusRights: StatusRight[] = [];
  for (const item of statusRaw) {
    const s = z.record(z.string(), z.unknown()).safeParse(item).data;
    if (!s) continue;
    if (s.entity_type !== undefined && s.entity_type !== "leads") continue;
    const pipelineId = intOrNull(s.pipeline_id);
    const statusId = intOrNull(s.status_id);
    if (pipelineId === null || statusId === null) continue;
    statusRights.push({ pipelineId, statusId, rights: entityRights(s.rights) });
  }
  return {
    userId,
    isAdmin: rights.is_admin === true,
    groupId,
    leads: pick("leads"),
    contacts: pick("contacts"),
    statusRights,
  };
}

/** The level that applies to this entity: a lead's status right replaces the base lead right. */
export function levelFor(viewer: ViewerRights, action: Action, entity: EntityFacts): Access {
  const base = viewer[entity.type];
  if (entity.type === "leads" && entity.pipelineId != null && entity.statusId != null) {
    const own = viewer.statusRights.find((s) => s.pipelineId === entity.pipelineId && s.statusId === entity.statusId);
    if (own) return action === "edit" ? narrower(own.rights.edit, own.rights.view) : own.rights.view;
  }
  return action === "edit" ? narrower(base.edit, base.view) : base.view;
}

/** Whether a level is met: M needs the viewer to be responsible, G the responsible user's group. */
export function meets(level: Access, viewer: ViewerRights, responsibleUserId: number | null, groupOf: (userId: number) => number | null): boolean {
  switch (level) {
    case "A":
      return true;
    case "M":
      return responsibleUserId === viewer.userId;
    case "G":
      if (responsibleUserId === viewer.userId) return true;
      if (responsibleUserId === null || viewer.groupId === null) return false;
      return groupOf(responsibleUserId) === viewer.groupId;
    default:
      return false;
  }
}

/** The one question the card routes ask. Admins (per amoCRM) see and edit everything. */
export function may(viewer: ViewerRights, action: Action, entity: EntityFacts, groupOf: (userId: number) => number | null): boolean {
  if (viewer.isAdmin) return true;
  return meets(levelFor(viewer, action, entity), viewer, entity.responsibleUserId, groupOf);
}
