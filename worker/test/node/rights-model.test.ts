// amoCRM's access rules as the card applies them (worker/src/amocrm/rights-model.ts): every shape of
// the users API the docs allow, and every level, with anything unknown read as "denied".
import { describe, expect, it } from "vitest";
import { levelFor, may, parseUserRights, type EntityFacts, type ViewerRights } from "../../src/amocrm/rights-model";

const user = (rights: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: 7, name: "M", rights, ...extra });
const lead = (responsibleUserId: number | null, pipelineId = 1, statusId = 10): EntityFacts => ({ type: "leads", responsibleUserId, pipelineId, statusId });
const groups = new Map<number, number | null>([
  [7, 3],
  [8, 3],
  [9, 4],
]);
const groupOf = (id: number) => groups.get(id) ?? null;

function viewer(view: string, extra: Partial<ViewerRights> = {}): ViewerRights {
  return { ...parseUserRights(user({ leads: { view, edit: view }, contacts: { view }, group_id: 3 }))!, ...extra };
}

describe("parseUserRights", () => {
  it("reads rights, group and status rights from GET /users/{id}?with=role,group", () => {
    const v = parseUserRights(
      user({ leads: { view: "G", edit: "M" }, contacts: { view: "A", edit: "A" }, is_admin: false, group_id: 3, status_rights: [{ entity_type: "leads", pipeline_id: 1, status_id: 10, rights: { view: "A", edit: "D" } }] }),
    )!;
    expect(v).toEqual({ userId: 7, isAdmin: false, groupId: 3, leads: { view: "G", edit: "M" }, contacts: { view: "A", edit: "A" }, statusRights: [{ pipelineId: 1, statusId: 10, rights: { view: "A", edit: "D" } }] });
  });
  it("takes the group from _embedded.groups when rights carry none, and keeps group 0", () => {
    expect(parseUserRights(user({ leads: { view: "G" } }, { _embedded: { groups: [{ id: 5, name: "Юг" }] } }))!.groupId).toBe(5);
    expect(parseUserRights(user({ leads: { view: "G" }, group_id: 0 }))!.groupId).toBe(0);
  });
  it("forgets a group the account no longer lists", () => {
    expect(parseUserRights(user({ group_id: 9 }), new Set([0, 3]))!.groupId).toBeNull();
    expect(parseUserRights(user({ group_id: 3 }), new Set([0, 3]))!.groupId).toBe(3);
  });
  it("falls back to the embedded role's rights for an entity the user object lacks", () => {
    const v = parseUserRights(user({ group_id: 3 }, { _embedded: { roles: [{ id: 2, rights: { leads: { view: "M", edit: "M" }, contacts: { view: "A" } } }] } }))!;
    expect(v.leads.view).toBe("M");
    expect(v.contacts.view).toBe("A");
  });
  it("reads unknown or missing levels as D and never lets edit exceed view", () => {
    const v = parseUserRights(user({ leads: { view: "X", edit: "A" }, contacts: { view: "M", edit: "A" } }))!;
    expect(v.leads).toEqual({ view: "D", edit: "D" });
    expect(v.contacts).toEqual({ view: "M", edit: "M" });
    expect(parseUserRights(user({}))!.leads.view).toBe("D");
  });
  it("skips malformed status rights and those of other entities, and refuses bodies that are not users", () => {
    const v = parseUserRights(user({ status_rights: [null, { pipeline_id: "x", status_id: 1, rights: {} }, { entity_type: "customers", pipeline_id: 1, status_id: 2, rights: { view: "A" } }] }))!;
    expect(v.statusRights).toEqual([]);
    expect(parseUserRights(null)).toBeNull();
    expect(parseUserRights({ name: "no id" })).toBeNull();
  });
});

describe("may view", () => {
  it("A: any lead; D: none, not even one's own", () => {
    expect(may(viewer("A"), "view", lead(9), groupOf)).toBe(true);
    expect(may(viewer("D"), "view", lead(7), groupOf)).toBe(false);
  });
  it("M: only as the responsible user", () => {
    expect(may(viewer("M"), "view", lead(7), groupOf)).toBe(true);
    expect(may(viewer("M"), "view", lead(8), groupOf)).toBe(false);
    expect(may(viewer("M"), "view", lead(null), groupOf)).toBe(false);
  });
  it("G: the responsible user's group must be the viewer's; one's own leads always", () => {
    expect(may(viewer("G"), "view", lead(8), groupOf)).toBe(true);
    expect(may(viewer("G"), "view", lead(9), groupOf)).toBe(false);
    expect(may(viewer("G", { groupId: null }), "view", lead(8), groupOf)).toBe(false);
    expect(may(viewer("G", { groupId: null }), "view", lead(7), groupOf)).toBe(true);
    expect(may(viewer("G"), "view", lead(99), groupOf)).toBe(false);
  });
  it("a status right replaces the base lead right in its pipeline status, both ways", () => {
    const open = viewer("D", { statusRights: [{ pipelineId: 1, statusId: 10, rights: { view: "A", edit: "D" } }] });
    expect(levelFor(open, "view", lead(9))).toBe("A");
    expect(may(open, "view", lead(9), groupOf)).toBe(true);
    expect(may(open, "view", lead(9, 1, 11), groupOf)).toBe(false);
    expect(may(open, "view", lead(9, 2, 10), groupOf)).toBe(false);
    expect(may(open, "edit", lead(9), groupOf)).toBe(false);
    const closed = viewer("A", { statusRights: [{ pipelineId: 1, statusId: 10, rights: { view: "D", edit: "D" } }] });
    expect(may(closed, "view", lead(7), groupOf)).toBe(false);
    expect(may(closed, "view", lead(7, 1, 11), groupOf)).toBe(true);
  });
  it("status rights never apply to contacts; admins pass everything", () => {
    const v = viewer("D", { contacts: { view: "M", edit: "M" }, statusRights: [{ pipelineId: 1, statusId: 10, rights: { view: "A", edit: "A" } }] });
    expect(may(v, "view", { type: "contacts", responsibleUserId: 9 }, groupOf)).toBe(false);
    expect(may(v, "view", { type: "contacts", responsibleUserId: 7 }, groupOf)).toBe(true);
    expect(may(viewer("D", { isAdmin: true }), "view", lead(9), groupOf)).toBe(true);
  });
});
