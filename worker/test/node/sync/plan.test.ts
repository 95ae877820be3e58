import { describe, expect, it } from "vitest";
import { emptyContactDraft, emptyLeadDraft } from "../../../src/sync/mapping/amo-payload";
import { DEFAULT_LEAD_POLICY, policyIssues, type LeadPolicy } from "../../../src/sync/plan/lead-policy";
import { chooseResponsible, planAmoWrites, repeatNoteText, repeatTarget, type AmoLeadState, type PlanInput } from "../../../src/sync/plan/plan";
import { roundRobinUser } from "../../../src/db/lead-policy";
import type { AmoMetadata } from "../../../src/sync/types";

const meta: AmoMetadata = {
  pipelines: [
    { id: 10, name: "Продажи", sort: 1, is_main: true, statuses: [{ id: 101, name: "Новая", sort: 10 }, { id: 142, name: "Успешно", sort: 1000 }, { id: 143, name: "Закрыто", sort: 1001 }] },
    { id: 20, name: "Сервис", sort: 2, is_main: false, statuses: [{ id: 201, name: "Новая", sort: 10 }] },
  ],
  leadFields: [],
  contactFields: [],
  users: [
    { id: 1, name: "Анна" },
    { id: 2, name: "Борис" },
    { id: 3, name: "Вера" },
  ],
  taskTypes: [
    { id: 1, name: "Связаться", code: "CALL" },
    { id: 2, name: "Встреча", code: "MEETING" },
  ],
  fetchedAt: 1,
};

const NOW = Date.UTC(2026, 11, 7, 9, 30);

function input(over: Partial<PlanInput> = {}, policy: Partial<LeadPolicy> = {}): PlanInput {
  return {
    lead: {
      id: 555,
      name: "Заявка с сайта",
      ownerId: 77,
      contact: { id: 9, name: "Иван", phones: ["+79991234567"], emails: ["ivan@example.ru"] } as PlanInput["lead"]["contact"],
      view: { source: "yandex", campaign: "spring", keyword: "окна", seo_system: null, referrer: "https://site.ru/form", platform: null },
      createdAt: NOW - 60_000,
      leadDate: null,
    },
    link: null,
    contactDraft: { ...emptyContactDraft(), name: "Иван" },
    leadDraft: { ...emptyLeadDraft(), name: "Заявка с сайта" },
    placement: null,
    defaultPlacement: { pipelineId: 10, statusId: 101 },
    stageChanged: false,
    found: null,
    policy: { ...DEFAULT_LEAD_POLICY, ...policy },
    meta,
    now: NOW,
    ...over,
  };
}

const amoLead = (id: number, pipeline: number, status: number, extra: Partial<AmoLeadState> = {}): AmoLeadState => ({ id, pipeline_id: pipeline, status_id: status, created_at: id, ...extra });
const contact = (id: number, responsible?: number) => ({ contact: { id, responsible_user_id: responsible }, by: "phone" as const });

describe("plan: the linked lead", () => {
  it("updates the linked lead with the mapped fields and moves the stage only when it moved", () => {
    const plan = planAmoWrites(
      input({
        link: { amoId: "40", attached: false },
        linked: amoLead(40, 10, 101, { name: "Старое", _embedded: { contacts: [{ id: 7, is_main: true }] } }),
        placement: { pipelineId: 20, statusId: 201 },
        stageChanged: true,
      }),
    );
    expect(plan.ops).toEqual([
      { kind: "update_lead", leadId: 40, body: expect.objectContaining({ id: 40, name: "Заявка с сайта", pipeline_id: 20, status_id: 201 }), status: { pipelineId: 20, statusId: 201 }, keptForRepeat: false },
      { kind: "update_contact", contactId: 7 },
    ]);
  });

  it("plans no lead write when amoCRM already holds it", () => {
    const plan = planAmoWrites(input({ link: { amoId: "40", attached: false }, linked: amoLead(40, 10, 101, { name: "Заявка с сайта" }) }));
    expect(plan.ops).toEqual([{ kind: "update_lead", leadId: 40, body: null, status: { pipelineId: 10, statusId: 101 }, keptForRepeat: false }]);
  });

  it("leaves a lead that a repeat request was added to as it is", () => {
    const plan = planAmoWrites(input({ link: { amoId: "40", attached: true }, linked: amoLead(40, 10, 101, { name: "Первая" }), stageChanged: true, placement: { pipelineId: 20, statusId: 201 } }));
    expect(plan.ops[0]).toMatchObject({ kind: "update_lead", leadId: 40, body: null, keptForRepeat: true });
    expect(plan.reasons.map((r) => r.action)).toEqual(["lead.repeat_kept"]);
  });

  it("creates a new lead when the linked one is gone, and says so", () => {
    const plan = planAmoWrites(input({ link: { amoId: "40", attached: false }, linked: null }));
    expect(plan.reasons[0]).toMatchObject({ action: "lead.link_stale", level: "warn" });
    expect(plan.ops).toEqual([{ kind: "create_lead", placement: { pipelineId: 10, statusId: 101 }, contactId: null, responsible: { from: "none" } }]);
  });
});

describe("plan: repeat requests", () => {
  const open = amoLead(300, 10, 101, { responsible_user_id: 2 });
  const closed = amoLead(400, 10, 142);

  it("«new»: a new lead every time, linked to the found contact", () => {
    const plan = planAmoWrites(input({ found: contact(7), contactLeads: [open] }));
    expect(plan.ops.map((o) => o.kind)).toEqual(["update_contact", "create_lead"]);
    expect(plan.ops[1]).toMatchObject({ contactId: 7 });
    expect(plan.repeat).toBeNull();
  });

  it("«attach»: a note and a task for the open lead's responsible user, nothing created", () => {
    const plan = planAmoWrites(input({ found: contact(7), contactLeads: [closed, open] }, { repeatMode: "attach" }));
    expect(plan.ops.map((o) => o.kind)).toEqual(["update_contact", "attach_repeat"]);
    const op = plan.ops[1]!;
    if (op.kind !== "attach_repeat") throw new Error("attach expected");
    expect(op).toMatchObject({ leadId: 300, contactId: 7, status: { pipelineId: 10, statusId: 101 } });
    expect(op.task).toEqual({ text: expect.stringContaining("№555"), responsibleUserId: 2, taskTypeId: 1, completeTill: Math.floor(NOW / 1000) + 3600 });
    expect(op.note).toContain("Повторная заявка");
    expect(plan.repeat).toMatchObject({ mode: "attach", outcome: "attached", leadId: 300 });
    expect(plan.reasons.map((r) => r.action)).toEqual(["lead.repeat_attached"]);
  });

  it("«attach» only to leads of the chosen pipelines; none open there → a new lead", () => {
    const plan = planAmoWrites(input({ found: contact(7), contactLeads: [open] }, { repeatMode: "attach", repeatPipelines: [20] }));
    expect(plan.ops.map((o) => o.kind)).toEqual(["update_contact", "create_lead"]);
    expect(plan.repeat).toMatchObject({ outcome: "new", why: "the contact has no lead in the chosen pipelines" });
    expect(plan.reasons.map((r) => r.action)).toEqual(["lead.repeat_new"]);
  });

  it("«attach» picks the newest open lead, not a closed later one", () => {
    const newerClosed = amoLead(900, 10, 143);
    expect(repeatTarget({ ...DEFAULT_LEAD_POLICY, repeatMode: "attach" }, [open, newerClosed, amoLead(350, 10, 101)]).lead?.id).toBe(350);
  });

  it("«new_if_closed»: a new lead when the last lead is closed, otherwise attach to it", () => {
    const policy = { repeatMode: "new_if_closed" as const };
    const lastClosed = planAmoWrites(input({ found: contact(7), contactLeads: [open, closed] }, policy));
    expect(lastClosed.ops.map((o) => o.kind)).toEqual(["update_contact", "create_lead"]);
    expect(lastClosed.repeat).toMatchObject({ outcome: "new", why: "the contact's last lead 400 is closed" });
    const lastOpen = planAmoWrites(input({ found: contact(7), contactLeads: [closed, amoLead(500, 10, 101)] }, policy));
    expect(lastOpen.ops[1]).toMatchObject({ kind: "attach_repeat", leadId: 500 });
  });

  it("a person amoCRM does not know is a first request whatever the policy", () => {
    const plan = planAmoWrites(input({ found: null }, { repeatMode: "attach" }));
    expect(plan.ops).toEqual([{ kind: "create_lead", placement: { pipelineId: 10, statusId: 101 }, contactId: null, responsible: { from: "none" } }]);
    expect(plan.repeat).toMatchObject({ outcome: "not_repeat" });
  });

  it("writes the request's data into the note: source, UTM, page, time (Moscow), phone, e-mail", () => {
    const text = repeatNoteText(input().lead, NOW);
    expect(text.split("\n")).toEqual([
      "Повторная заявка из LPTracker (заявка №555)",
      "Заявка: Заявка с сайта",
      "Время: 07.12.2026, 12:29 (МСК)",
      "Контакт: Иван",
      "Телефон: +79991234567",
      "E-mail: ivan@example.ru",
      "Источник: yandex",
      "Кампания (utm_campaign): spring",
      "Ключевое слово (utm_term): окна",
      "Страница / реферер: https://site.ru/form",
    ]);
  });

  it("throws only when a lead must be created and there is nowhere to put it", () => {
    expect(() => planAmoWrites(input({ defaultPlacement: null }))).toThrow(/no pipeline/);
    expect(planAmoWrites(input({ defaultPlacement: null, found: contact(7), contactLeads: [amoLead(300, 10, 101)] }, { repeatMode: "attach" })).ops[1]?.kind).toBe("attach_repeat");
  });
});

describe("plan: who gets the lead", () => {
  const base = (policy: Partial<LeadPolicy>, over: Partial<PlanInput> = {}) => chooseResponsible(input(over, policy));

  it("fixed, round-robin and the LPTracker owner through the staff map, with the fallback", () => {
    expect(base({ assignMode: "fixed", fixedUserId: 2 })).toEqual({ from: "fixed", userId: 2 });
    expect(base({ assignMode: "round_robin", rrUsers: [3, 1] })).toEqual({ from: "round_robin", users: [3, 1] });
    expect(base({ assignMode: "lpt_owner", staffMap: [{ lptStaffId: 77, amoUserId: 3 }] })).toEqual({ from: "lpt_owner", userId: 3 });
    expect(base({ assignMode: "lpt_owner", staffMap: [{ lptStaffId: 78, amoUserId: 3 }], fallbackUserId: 1 })).toEqual({ from: "fallback", userId: 1 });
    expect(base({ assignMode: "lpt_owner", staffMap: [] })).toEqual({ from: "none" });
    expect(base({})).toEqual({ from: "none" });
  });

  it("passes over users amoCRM no longer lists", () => {
    expect(base({ assignMode: "fixed", fixedUserId: 99, fallbackUserId: 1 })).toEqual({ from: "fallback", userId: 1 });
    expect(base({ assignMode: "round_robin", rrUsers: [99, 2] })).toEqual({ from: "round_robin", users: [2] });
  });

  it("a rule wins; then the contact's own user when asked; then a mapping row; then the mode", () => {
    const policy = { assignMode: "fixed" as const, fixedUserId: 2, contactOwnerWins: true };
    expect(base(policy, { ruleResponsibleUserId: 3, found: contact(7, 1) })).toEqual({ from: "rule", userId: 3 });
    expect(base(policy, { found: contact(7, 1), leadDraft: { ...emptyLeadDraft(), responsibleUserId: 3 } })).toEqual({ from: "contact", userId: 1 });
    expect(base({ ...policy, contactOwnerWins: false }, { found: contact(7, 1) })).toEqual({ from: "fixed", userId: 2 });
    expect(base(policy, { leadDraft: { ...emptyLeadDraft(), responsibleUserId: 3 } })).toEqual({ from: "mapping", userId: 3 });
  });

  it("the create operation carries the decision and the audit names it", () => {
    const plan = planAmoWrites(input({}, { assignMode: "fixed", fixedUserId: 2 }));
    expect(plan.ops).toEqual([{ kind: "create_lead", placement: { pipelineId: 10, statusId: 101 }, contactId: null, responsible: { from: "fixed", userId: 2 } }]);
    expect(plan.reasons).toEqual([expect.objectContaining({ action: "lead.assigned", message: "Responsible user 2 (from fixed)." })]);
  });

  it("round-robin slots go round the list in order", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => roundRobinUser([3, 1, 2], n))).toEqual([3, 1, 2, 3, 1, 2, 3]);
  });
});

describe("lead policy checks", () => {
  it("names every id the account does not have, and a mode without what it needs", () => {
    const issues = policyIssues(
      { ...DEFAULT_LEAD_POLICY, repeatMode: "attach", repeatPipelines: [10, 99], assignMode: "round_robin", rrUsers: [], fixedUserId: 42, staffMap: [{ lptStaffId: 5, amoUserId: 1 }, { lptStaffId: 6, amoUserId: 77 }] },
      meta,
      new Set([5]),
    );
    expect(issues.map((x) => x.field)).toEqual(["repeatPipelines.1", "fixedUserId", "staffMap.1.amoUserId", "staffMap.1.lptStaffId", "rrUsers"]);
    expect(policyIssues({ ...DEFAULT_LEAD_POLICY, assignMode: "fixed", fixedUserId: 1 }, meta, null)).toEqual([]);
  });
});

describe("plan: incoming leads («Неразобранное») in the order an amoCRM user expects", () => {
  const on = { unsorted: { pipelineId: 20 } };
  const waitingOf = (own: boolean) => ({ uid: "u-1", amoLeadId: "900", amoContactId: "901", own });
  const openLead = amoLead(300, 10, 101, { responsible_user_id: 2 });
  const linked = { link: { amoId: "400", attached: false }, linked: amoLead(400, 10, 101, { name: "Заявка с сайта" }) };
  type Case = [name: string, over: Partial<PlanInput>, policy: Partial<LeadPolicy>, ops: string[], unsorted: Record<string, unknown>];
  const cases: Case[] = [
    ["off: a new lead, as before", {}, {}, ["create_lead"], { outcome: "off" }],
    ["on: a new entry instead of a lead", { ...on }, {}, ["create_unsorted"], { outcome: "entry", pipelineId: 20 }],
    ["on, the person waits already: a note on that entry, no second one", { ...on, waiting: waitingOf(false) }, {}, ["join_unsorted"], { outcome: "joined", uid: "u-1", why: "person" }],
    ["on, a retry finds its own entry: joins it without a note", { ...on, waiting: waitingOf(true) }, { repeatMode: "attach" }, ["join_unsorted"], { outcome: "joined", why: "own" }],
    ["«attach» beats incoming leads: the open lead gets the request", { ...on, found: contact(7), contactLeads: [openLead] }, { repeatMode: "attach" }, ["update_contact", "attach_repeat"], { outcome: "repeat_first", leadId: 300 }],
    ["«new_if_closed» with an open last lead beats incoming leads", { ...on, found: contact(7), contactLeads: [openLead] }, { repeatMode: "new_if_closed" }, ["update_contact", "attach_repeat"], { outcome: "repeat_first", leadId: 300 }],
    ["«attach», every lead closed: a new entry", { ...on, found: contact(7), contactLeads: [amoLead(301, 10, 143)] }, { repeatMode: "attach" }, ["create_unsorted"], { outcome: "entry" }],
    ["«attach», the only open lead is the waiting entry's own: the request joins the entry", { ...on, found: contact(7), contactLeads: [amoLead(900, 20, 201)], waiting: waitingOf(false) }, { repeatMode: "attach" }, ["join_unsorted"], { outcome: "joined", why: "person" }],
    ["«new» with a known contact: still a new entry", { ...on, found: contact(7) }, {}, ["create_unsorted"], { outcome: "entry" }],
    ["on, the pipeline is gone: straight into a pipeline, with a warning", { unsorted: { pipelineId: 99 } }, {}, ["create_lead"], { outcome: "pipeline_missing", pipelineId: 99 }],
    ["linked lead, on: updated, no entry", { ...on, ...linked }, {}, ["update_lead"], { outcome: "linked" }],
    ["linked to a waiting entry: a note on it", { ...on, link: { amoId: "900", attached: false }, linkUnsorted: { uid: "u-1", state: "pending", leadId: "900" }, waiting: waitingOf(false) }, {}, ["join_unsorted"], { outcome: "joined", why: "linked", leadId: 900 }],
    ["linked to a declined entry: nothing at all", { link: { amoId: "900", attached: false }, linkUnsorted: { uid: "u-1", state: "declined", leadId: "900" } }, {}, ["keep_declined"], { outcome: "declined", uid: "u-1" }],
    ["linked to an accepted entry: the accepted lead is updated", { ...linked, linkUnsorted: { uid: "u-1", state: "accepted", leadId: "400" } }, {}, ["update_lead"], { outcome: "off" }],
    ["a stale link is recreated as a lead, not an entry", { ...on, link: { amoId: "400", attached: false }, linked: null }, {}, ["create_lead"], { outcome: "linked" }],
  ];
  it.each(cases)("%s", (_name, over, policy, ops, unsorted) => {
    const plan = planAmoWrites(input(over, policy));
    expect(plan.ops.map((o) => o.kind)).toEqual(ops);
    expect(plan.unsorted).toMatchObject(unsorted);
  });

  it("words the audit: a warning for a missing pipeline, an info for a declined entry", () => {
    expect(planAmoWrites(input({ unsorted: { pipelineId: 99 } })).reasons).toContainEqual(expect.objectContaining({ action: "unsorted.pipeline_missing", level: "warn" }));
    const declined = planAmoWrites(input({ link: { amoId: "900", attached: false }, linkUnsorted: { uid: "u-1", state: "declined", leadId: "900" } }));
    expect(declined.reasons).toEqual([expect.objectContaining({ action: "unsorted.declined_kept" })]);
  });

  it("a note on a waiting entry names its lead and contact; a new entry goes to the chosen pipeline", () => {
    expect(planAmoWrites(input({ ...on, waiting: waitingOf(false) })).ops[0]).toEqual({ kind: "join_unsorted", uid: "u-1", leadId: 900, contactId: 901, note: true, why: "person" });
    expect(planAmoWrites(input({ ...on })).ops[0]).toEqual({ kind: "create_unsorted", pipelineId: 20 });
  });
});
