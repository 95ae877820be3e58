import { describe, expect, it } from "vitest";
import { leadFromCallback, updateKind } from "../../../src/sync/intake/lpt-payload";
import { leadFacts } from "../../../src/sync/rules/facts";

/** A lead callback with every key of docs §3.2. */
function callback(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action: "create",
    action_timestamp: 1_760_000_000_000,
    action_update_fields: null,
    id: 9001,
    contact_id: 501,
    project_id: 77,
    created_at: 1_760_000_000,
    owner_id: 33,
    stage_id: 20,
    name: "Заявка",
    custom: [{ id: 5, name: "Город", type: "text", value: "Москва" }],
    view: { id: 1, project_id: 77, source: "yandex" },
    contact: { id: 501, name: "Иван", project_id: 77, contacts: [{ id: 1, type: "phone", data: "8 (999) 123-45-67" }] },
    stage: { id: 20, name: "Новый" },
    payments: [],
    calls_records: [],
    ...over,
  };
}

describe("trusting an LPTracker callback", () => {
  it("takes a complete callback as the lead", () => {
    const lead = leadFromCallback(JSON.stringify(callback()), null);
    expect(lead).toMatchObject({ id: 9001, projectId: 77, name: "Заявка", stage: { id: 20, name: "Новый" } });
    expect(lead!.contact.phones).toEqual(["+79991234567"]);
  });

  it.each([
    ["calls_records", { calls_records: undefined }],
    ["the contact's details", { contact: { id: 501, name: "Иван" } }],
    ["the stage", { stage: undefined, stage_id: undefined }],
    ["custom fields", { custom: undefined }],
    ["the visit", { view: undefined }],
    ["the name key", { name: undefined }],
    ["the action time", { action_timestamp: undefined }],
  ])("re-reads when the callback lacks %s", (_what, over) => {
    const body = JSON.parse(JSON.stringify(callback(over as Record<string, unknown>))) as Record<string, unknown>;
    expect(leadFromCallback(JSON.stringify(body), null)).toBeNull();
  });

  it("re-reads a delete, a malformed body and a callback not newer than the one applied", () => {
    expect(leadFromCallback(JSON.stringify(callback({ action: "delete" })), null)).toBeNull();
    expect(leadFromCallback("{not json", null)).toBeNull();
    expect(leadFromCallback(JSON.stringify(callback()), 1_760_000_000_000)).toBeNull();
    expect(leadFromCallback(JSON.stringify(callback()), 1_759_999_999_999)).not.toBeNull();
  });
});

describe("what an update brings", () => {
  const facts = (over: Record<string, unknown> = {}) => leadFacts(leadFromCallback(JSON.stringify(callback(over)), null)!);

  it("calls our own stage write an echo, and only that", () => {
    const before = facts();
    const moved = facts({ stage_id: 21, stage: { id: 21, name: "В работе" } });
    expect(updateKind(before, moved, 21)).toBe("echo");
    expect(updateKind(before, moved, 22)).toBeNull();
    expect(updateKind(before, moved, null)).toBeNull();
  });

  it("sees a stage write plus another change as news", () => {
    const before = facts();
    const moved = facts({ stage_id: 21, stage: { id: 21, name: "В работе" }, name: "Новое имя" });
    expect(updateKind(before, moved, 21)).toBeNull();
  });

  it("tells an unchanged repeat apart from a new call", () => {
    expect(updateKind(facts(), facts(), null)).toBe("unchanged");
    const withCall = facts({ calls_records: [{ time: 1_760_000_100, linkedid: "c1", duration: 30, type: "incomming" }] });
    expect(updateKind(facts(), withCall, null)).toBeNull();
  });
});
