// Specification: the JSON the Worker keeps in D1 has one schema per column (contracts/stored.ts);
// rows written by older versions still read, an odd part reading as absent the way the code treats
// a missing one, and nothing else of the row is lost.
import { describe, expect, it } from "vitest";
import { auditDataSchema, eventProgressSchema, importPlanSchema, linkMetaSchema, METADATA_KINDS, storedAmoUserSchema, storedContactIndexSchema, storedRowSchema } from "../../src/contracts/stored";
import { planOf } from "../../src/imports/pipeline-rows";
import type { ImportRow } from "../../src/db/imports";
import { normalizedRow } from "./imports/rows";

const normalized = normalizedRow({ phone: "+79991234567", name: "Иван" });

describe("links.meta", () => {
  it("reads what the sync writes as it is", () => {
    const meta = {
      facts: { "stage.id": 3 },
      snapshot: { name: "Заявка", stage: { id: 3, name: "Новая" } },
      lptStage: 3,
      lptWroteStage: 3,
      lptAt: 1_700_000_000,
      amoWrote: { pipelineId: 1, statusId: 2, at: 5 },
      amoSeen: { pipelineId: 1, statusId: 2, at: 6 },
      attached: false,
      unsorted: { uid: "u-1", state: "pending", leadId: "42" },
      linkedBy: 7,
    };
    expect(linkMetaSchema.parse(meta)).toEqual(meta);
  });

  it("reads an older row's odd parts as absent and keeps the parts it does not name", () => {
    const old = { lptStage: "3", amoWrote: "1:2", unsorted: { uid: 5 }, attached: "yes", facts: { a: 1 }, fromAnOlderVersion: [1, 2] };
    expect(linkMetaSchema.parse(old)).toEqual({ facts: { a: 1 }, fromAnOlderVersion: [1, 2] });
    // Not an object at all: db/links.ts reads it as an empty meta.
    expect(linkMetaSchema.safeParse("broken").success).toBe(false);
  });
});

describe("import_rows.data", () => {
  it("reads a pending row, a refused row and a row owing follow-ups", () => {
    expect(storedRowSchema.parse({ values: ["89991234567", "Иван"], row: normalized })).toEqual({ values: ["89991234567", "Иван"], row: normalized });
    expect(storedRowSchema.parse({ values: [{ unreadable: "error", text: "#N/A" }] })).toEqual({ values: [{ unreadable: "error", text: "#N/A" }] });
    const followUp = { leadId: 9, notes: ["Перезвонить"], tasks: [{ text: "Позвонить", taskTypeId: 1, dueInHours: 24 }] };
    expect(storedRowSchema.parse({ values: [], row: normalized, followUp }).followUp).toEqual(followUp);
  });

  it("reads an older row: odd normalised fields make a row without data, odd cells an empty list, the rest stays", () => {
    const old = { values: "89991234567", row: { phone: 79991234567 }, callId: "imp-1", followUp: { leadId: "9" } };
    // The chunk refuses a row without `row` as «no data» instead of sending half a row to amoCRM.
    expect(storedRowSchema.parse(old)).toEqual({ values: [], callId: "imp-1" });
    // A row without its phone list still has its phone.
    const { phones: _, ...withoutList } = normalized;
    expect(storedRowSchema.parse({ values: [], row: withoutList }).row?.phones).toEqual(["+79991234567"]);
  });
});

describe("imports.mapping", () => {
  // An older version's plan: typed as the column is, shaped as it happened to be stored.
  const row = (mapping: unknown): Pick<ImportRow, "id" | "mapping"> => JSON.parse(JSON.stringify({ id: 5, mapping }));

  it("reads the plan an import was started with; an odd lookup note reads as none", () => {
    const plan = { kind: "leads", columns: { phone: 1, name: 0 }, projectId: null, sheet: "Лист1", headerRow: 2, lookup: { strategy: "query", rows: 3, pages: 0, contactsSeen: 0, matched: 0 } };
    expect(importPlanSchema.parse(plan)).toEqual(plan);
    expect(importPlanSchema.parse({ ...plan, lookup: { strategy: "guess" } })).toEqual({ ...plan, lookup: undefined });
  });

  it("stops a job on a plan it cannot read, saying what is wrong", () => {
    expect(() => planOf(row({ columns: { phone: 1 }, projectId: null }))).toThrow(/Import 5 has no readable plan: kind/);
    expect(() => planOf(row(null))).toThrow(/Import 5 has no readable plan/);
  });
});

describe("events.progress, audit_log.data, metadata_cache.data", () => {
  it("reads the sync job's journal as lpt-to-amo.ts writes it, and refuses another shape", () => {
    const journal = {
      amo: {
        result: { amoLeadId: "10", amoContactId: null, amoStatus: { pipelineId: 1, statusId: 2 }, attached: false, once: true },
        noted: [{ source: "amocrm", action: "lead.created", message: "Lead 10 created", data: { amoRequests: 2 } }],
      },
      calls: { "c-1": "900", "c-2": null },
    };
    expect(eventProgressSchema.parse(journal)).toEqual(journal);
    // db/events.ts reads a journal it cannot check as none: the job writes afresh, finding its own lead by the link.
    expect(eventProgressSchema.safeParse({ amo: { result: "10" } }).success).toBe(false);
  });

  it("keeps audit details as an object of anything, and metadata in its kind's shape", () => {
    expect(auditDataSchema.parse({ text: { code: "uninstalled", params: { days: 30 } }, amoRequests: 3 })).toEqual({ text: { code: "uninstalled", params: { days: 30 } }, amoRequests: 3 });
    expect(auditDataSchema.safeParse([1]).success).toBe(false);
    expect(METADATA_KINDS.datetime_settings.parse({ timezone: "Europe/Moscow" })).toEqual({ timezone: "Europe/Moscow" });
    expect(METADATA_KINDS.datetime_settings.safeParse({ timezone: 3 }).success).toBe(false);
    expect(METADATA_KINDS.user_groups.parse([{ id: 0, name: "Отдел продаж" }])).toEqual([{ id: 0, name: "Отдел продаж" }]);
  });
});

describe("an import's stored contact index (R2)", () => {
  it("reads the pairs the parse job wrote and refuses anything else, so the chunk looks rows up one by one", () => {
    const index = { byPhone: [["+79991234567", 11]], byEmail: [["a@b.ru", 12]] };
    expect(storedContactIndexSchema.parse(index)).toEqual(index);
    expect(storedContactIndexSchema.safeParse({ byPhone: { "+79991234567": 11 }, byEmail: [] }).success).toBe(false);
  });
});

describe("amo_user_rights.rights", () => {
  it("keeps the amoCRM user as it came, rights and groups included, and needs only its id", () => {
    const user = { id: 7, name: "Анна", rights: { leads: { view: "A" }, group_id: 3 }, _embedded: { groups: [{ id: 3 }] } };
    expect(storedAmoUserSchema.parse(user)).toEqual(user);
    expect(storedAmoUserSchema.safeParse({ name: "без id" }).success).toBe(false);
  });
});
