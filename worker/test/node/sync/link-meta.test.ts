// What the Worker stored as JSON is read back through schemas: a part in another shape reads as
// absent (or empty), never as a wrong value; amoCRM's token claims are read the same way.
import { describe, expect, it } from "vitest";
import { metaAmoMark, metaFacts, metaSnapshot, metaSnapshotObject, metaSnapshotParts, type LeadSnapshot } from "../../../src/sync/run/link-meta";
import { payloadFields } from "../../../src/sync/run/payload";
import { factText, factTexts } from "../../../src/sync/rules/facts";
import { decodeAccessToken } from "../../../src/amocrm/oauth";
import { linkMetaSchema } from "../../../src/contracts/stored";

/** The meta as db/links.ts reads a row's column: part by part through the stored schema. */
const stored = (raw: unknown) => linkMetaSchema.parse(raw);

const snapshot: LeadSnapshot = {
  name: "Заявка",
  projectId: 7,
  projectName: "Сайт",
  stage: { id: 3, name: "Новый" },
  view: { source: "yandex", campaign: null },
  createdAt: 1_700_000_000_000,
  fields: [{ label: "Город", value: "Тула" }],
  syncedAt: 1_700_000_100_000,
};

describe("link meta read through schemas", () => {
  it("reads the facts, the status marks and the snapshot a sync wrote", () => {
    const meta = stored({ facts: { "stage.id": 3, "contact.phone": ["+79990001122"], paid: true, note: null }, amoWrote: { pipelineId: 1, statusId: 2, at: 5 }, snapshot });
    expect(metaFacts(meta)).toEqual(meta.facts);
    expect(metaAmoMark(meta, "amoWrote")).toEqual({ pipelineId: 1, statusId: 2, at: 5 });
    expect(metaAmoMark(meta, "amoSeen")).toEqual({});
    expect(metaSnapshot(meta)).toEqual(snapshot);
    expect(metaSnapshotObject(meta)).toEqual(snapshot);
  });

  it("reads a part in another shape as absent, not as a wrong value", () => {
    const meta = stored({ facts: { "stage.id": { nested: true } }, amoWrote: "1:2", amoRuleWrote: { pipelineId: "1", statusId: 2 }, snapshot: { ...snapshot, syncedAt: "yesterday", stage: null } });
    expect(metaFacts(meta)).toBeUndefined();
    expect(metaAmoMark(meta, "amoWrote")).toEqual({});
    expect(metaAmoMark(meta, "amoRuleWrote")).toEqual({});
    expect(metaSnapshot(meta)).toBeUndefined();
    // The card shows what is intact, field by field.
    const parts = metaSnapshotParts(meta);
    expect(parts.name).toBe("Заявка");
    expect(parts.fields).toEqual(snapshot.fields);
    expect(parts).not.toHaveProperty("syncedAt");
    expect(parts).not.toHaveProperty("stage");
    expect(metaSnapshotParts(stored({ snapshot: [1, 2] }))).toEqual({});
    expect(metaSnapshotObject(stored({ snapshot: "x" }))).toBeNull();
  });

  it("reads an event payload as fields, anything else as none", () => {
    expect(payloadFields('{"id":5,"status_id":"142"}')).toEqual({ id: 5, status_id: "142" });
    expect(payloadFields("[1,2]")).toEqual({});
    expect(payloadFields("null")).toEqual({});
    expect(payloadFields('{"__proto__":{"polluted":1},"id":1}')).toEqual({ id: 1 });
  });

  it("reads facts as text or lists of text without taking a number or a list for text", () => {
    const facts = { stage: "Новый", "stage.id": 3, "contact.phones": ["+79990001122", 79990003344], "contact.email": "a@b.ru", blank: "" };
    expect(factText(facts, "stage")).toBe("Новый");
    expect(factText(facts, "stage.id")).toBeUndefined();
    expect(factTexts(facts, "contact.phone")).toEqual(["+79990001122", "79990003344"]);
    expect(factTexts(facts, "contact.email")).toEqual(["a@b.ru"]);
    expect(factTexts(facts, "blank")).toEqual([]);
    expect(factTexts(facts, "missing")).toEqual([]);
  });
});

describe("amoCRM access-token claims", () => {
  const token = (claims: unknown) => `h.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.s`;

  it("reads the claims the install and the refresh use", () => {
    expect(decodeAccessToken(token({ account_id: 31000001, api_domain: "api-b.amocrm.ru", sub: "5", exp: 9 }))).toMatchObject({ account_id: 31000001, api_domain: "api-b.amocrm.ru", sub: "5", exp: 9 });
  });

  it("reads a claim in another shape as absent, and a token that is not a JWT as no claims", () => {
    const claims = decodeAccessToken(token({ account_id: { id: 1 }, api_domain: 42, base_domain: "amocrm.ru" }));
    expect(claims.account_id).toBeUndefined();
    expect(claims.api_domain).toBeUndefined();
    expect(claims.base_domain).toBe("amocrm.ru");
    expect(decodeAccessToken("opaque")).toEqual({});
    expect(decodeAccessToken(token([1, 2]))).toEqual({});
  });
});
