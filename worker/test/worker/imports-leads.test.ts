// Specification: a leads spreadsheet becomes amoCRM leads and contacts — existing people found
// whatever way their phone is written, nobody created twice, rules applied, few requests spent.
import { describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import { and, eq } from "drizzle-orm";
import { env } from "cloudflare:test";
import { adminFetch, amo, db, installAccount, type Installed } from "./harness";
import { createRule } from "../../src/db/rules";
import { makeDb } from "../../src/db/client";
import { tenant } from "../../src/db/tenant";
import { sheetFile, startImportAs, uploadImport, waitForImport } from "./imports-harness";
import { auditLog } from "../../src/db/schema";
import { generateLeadsXlsx } from "../../bench/gen-xlsx";
import type { ImportUploadResponse, ImportView, Rule } from "../../src/api-types";
import { wordText } from "../../src/contracts/texts";

async function importFile(a: Installed, name: string, bytes: Uint8Array, columns?: ImportUploadResponse["detected"]): Promise<ImportView> {
  const up = await uploadImport(a, name, bytes);
  await startImportAs(a, up.id, "leads", columns ?? up.detected);
  return waitForImport(a, up.id);
}

/** amoCRM requests spent, leaving out the account read that learns its time zone (once a day, at the first upload). */
function requests(state: Awaited<ReturnType<typeof amo.state>>): number {
  return Object.entries(state.requests).reduce((n, [k, v]) => (k === "GET /api/v4/account" ? n : n + v), 0);
}

function phoneField(value: string) {
  return [{ field_code: "PHONE", values: [{ value, enum_code: "WORK" }] }];
}

function e164s(contact: { custom_fields_values: { field_code?: string | null; values: { value: unknown }[] }[] }): string[] {
  return contact.custom_fields_values
    .filter((f) => f.field_code === "PHONE")
    .flatMap((f) => f.values.map((v) => `+7${String(v.value).replace(/\D/g, "").slice(-10)}`));
}

describe("leads import", () => {
  it("finds existing contacts across phone formats and by e-mail, creates the rest once, and reports repeated and broken rows", async () => {
    const a = await installAccount();
    const s1 = await amo.createContact(a.accountId, { name: "Иван", custom_fields_values: phoneField("+7 (999) 111-22-33") });
    const s2 = await amo.createContact(a.accountId, { name: "Пётр", custom_fields_values: phoneField("89994445566") });
    const s3 = await amo.createContact(a.accountId, { name: "Сидор", custom_fields_values: phoneField("79997778899") });
    const s4 = await amo.createContact(a.accountId, { name: "Ольга", custom_fields_values: [{ field_code: "EMAIL", values: [{ value: "olga@example.ru", enum_code: "WORK" }] }] });
    const before = await amo.state(a.accountId);

    const file = sheetFile([
      ["ФИО", "Телефон", "E-mail", "Источник"],
      ["Иван Первый", "+7 999 111-22-33", null, "Сайт"],
      ["Пётр Второй", "8(999)4445566", null, "Сайт"],
      ["Сидор Третий", "9997778899", null, "Авито"],
      ["Новый Клиент", "+7 916 000-00-01", "new@example.ru", "Сайт"],
      ["Ольга Почта", null, "OLGA@example.ru", "Сайт"],
      ["Новый Клиент (повтор)", "89160000001", null, "Сайт"],
      ["Сломанный", "не номер", null, "Сайт"],
      ["Только Почта", null, "only@example.ru", "Сайт"],
    ]);
    const done = await importFile(a, "клиенты.xlsx", file);

    expect(done).toMatchObject({ status: "done", kind: "leads", total: 8, done: 8, created: 2, updated: 4, skipped: 1, failed: 1, etaSec: null });
    expect(done.errors.map((e) => e.row)).toEqual([7, 8]);
    // Coded reasons: the English text and the code the upload page words in either language.
    expect(done.errors[0]).toMatchObject({ reason: "Row 7: duplicate of row 5 (same phone), skipped", reasonText: { code: "import_row_duplicate_phone", params: { row: 7, of: 5 } } });
    expect(done.errors[1]).toEqual({
      row: 8,
      reason: 'Row 8: phone "не номер" in column "Телефон" is not a number',
      reasonText: { code: "import_row_invalid", params: { row: 8 }, items: [{ code: "import_cell_phone_invalid", params: { value: "не номер", column: "Телефон" } }] },
    });
    // The words the upload page and the error report take for it (worker/src/contracts/texts.ts).
    expect(wordText("ru", done.errors[1]!.reasonText!)).toBe("Строка 8: телефон «не номер» в колонке «Телефон» не похож на номер");

    const after = await amo.state(a.accountId);
    expect(after.leads).toHaveLength(6);
    expect(after.contacts).toHaveLength(before.contacts.length + 2);
    const contactOf = (name: string) => after.leads.find((l) => l.name === name)?.contact_ids;
    expect(contactOf("Иван Первый")).toEqual([s1.id]);
    expect(contactOf("Пётр Второй")).toEqual([s2.id]);
    expect(contactOf("Сидор Третий")).toEqual([s3.id]);
    expect(contactOf("Ольга Почта")).toEqual([s4.id]);
    const created = after.contacts.filter((c) => ![s1.id, s2.id, s3.id, s4.id].includes(c.id));
    expect(created.map((c) => c.name).sort()).toEqual(["Новый Клиент", "Только Почта"]);
    expect(e164s(created.find((c) => c.name === "Новый Клиент")!)).toEqual(["+79160000001"]);

    // One page of the contact list (cheaper than 6 searches) and one complex request for all 6 leads.
    expect(requests(after) - requests(before)).toBe(2);
    expect(after.requests["POST /api/v4/leads/complex"]).toBe(1);
    const lookup = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "import.lookup")));
    expect(lookup[0]?.data).toMatchObject({ strategy: "prefetch", rows: 6, pages: 1, matched: 4, amoRequests: 1 });
    const finished = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "import.finished")));
    expect(finished[0]?.data).toMatchObject({ total: 8, created: 2, updated: 4, requestsTotal: 2, report: true });
  });

  it("imports 500 rows with 30% existing contacts for at most 0.1 amoCRM requests per row, without duplicate contacts", async () => {
    const a = await installAccount();
    const existing: string[] = [];
    for (let i = 0; i < 150; i++) {
      const phone = `+7999${String(3000000 + i * 7919).padStart(7, "0")}`;
      existing.push(phone);
      await amo.createContact(a.accountId, { name: `Клиент ${i}`, custom_fields_values: phoneField(phone) });
    }
    const before = await amo.state(a.accountId);
    const file = generateLeadsXlsx({ rows: 500, matchShare: 0.3, existingPhones: existing, seed: 11 });
    const done = await importFile(a, file.fileName, file.bytes);

    expect(done.status).toBe("done");
    expect(done.total).toBe(500);
    expect(done.failed).toBe(0);
    expect(done.created + done.updated + done.skipped).toBe(500);
    const uniqueNew = new Set(file.expected.filter((e) => !existing.includes(e.phone)).map((e) => e.phone));
    const uniqueOld = new Set(file.expected.filter((e) => existing.includes(e.phone)).map((e) => e.phone));
    expect(done.created).toBe(uniqueNew.size);
    expect(done.updated).toBe(uniqueOld.size);

    const after = await amo.state(a.accountId);
    expect(after.leads).toHaveLength(done.created + done.updated);
    expect(after.contacts).toHaveLength(before.contacts.length + done.created);
    const phones = after.contacts.flatMap(e164s);
    expect(new Set(phones).size).toBe(phones.length);
    // One page of the contact list, then one complex request per 50 leads: 0.024 requests per row.
    const spent = requests(after) - requests(before);
    expect(spent).toBe(1 + Math.ceil((done.created + done.updated) / 50));
    expect(spent / 500).toBeLessThanOrEqual(0.1);
    expect(after.rate.peak).toBeLessThanOrEqual(7);
  });

  it("applies import.row rules: tags and pipeline, notes batched, rows skipped by a rule reported", async () => {
    const a = await installAccount();
    const pipeline = a.info.pipelines[1] ?? a.info.pipelines[0]!;
    const status = pipeline.statuses.find((s) => s.type !== 1 && s.id !== 142 && s.id !== 143)!;
    const rule = async (body: unknown) => {
      const res = await adminFetch(a, "/api/admin/rules", { method: "POST", json: body });
      expect(res.status).toBe(201);
      return (await res.json()) as Rule;
    };
    await rule({
      name: "Авито",
      enabled: true,
      trigger: "import.row",
      conditions: { match: "all", items: [{ field: "column:Источник", op: "eq", value: "Авито" }] },
      actions: [{ type: "add_tags", tags: ["Авито"] }, { type: "set_pipeline", pipelineId: pipeline.id, statusId: status.id }, { type: "add_note", text: "Клиент пришёл с Авито" }],
    });
    await rule({ name: "Спам", enabled: true, trigger: "import.row", conditions: { match: "all", items: [{ field: "column:Источник", op: "eq", value: "Спам" }] }, actions: [{ type: "skip" }] });

    const rows: unknown[][] = [["Имя", "Телефон", "Источник"]];
    for (let i = 0; i < 55; i++) rows.push([`Авито ${i}`, `+7 901 ${String(i).padStart(7, "0")}`, "Авито"]);
    rows.push(["Спам 1", "+7 902 000-00-01", "Спам"], ["Спам 2", "+7 902 000-00-02", "Спам"], ["Сайт", "+7 903 000-00-01", "Сайт"]);
    const before = await amo.state(a.accountId);
    const done = await importFile(a, "rules.xlsx", sheetFile(rows));
    expect(done).toMatchObject({ status: "done", total: 58, skipped: 2, failed: 0 });
    expect(done.created).toBe(56);
    expect(done.errors.map((e) => e.reason)).toEqual([expect.stringContaining("skipped by the rule «Спам»"), expect.stringContaining("skipped by the rule «Спам»")]);

    const after = await amo.state(a.accountId);
    const avito = after.leads.filter((l) => l.tags.includes("Авито"));
    expect(avito).toHaveLength(55);
    expect(avito.every((l) => l.pipeline_id === pipeline.id && l.status_id === status.id)).toBe(true);
    expect(after.leads.find((l) => l.name === "Сайт")!.tags).not.toContain("Авито");
    const notes = after.notes.filter((n) => n.note_type === "common" && avito.some((l) => l.id === n.entity_id));
    expect(notes).toHaveLength(55);
    const noteRequests = (after.requests["POST /api/v4/leads/notes"] ?? 0) - (before.requests["POST /api/v4/leads/notes"] ?? 0);
    expect(noteRequests).toBe(2);
  });

  it("skips an import.row rule that no longer validates and says so once in the audit log", async () => {
    const a = await installAccount();
    // Saved before the checks existed: an imported row has no amoCRM custom field, so "empty" would
    // have skipped every row. Flagged as invalid, it skips itself instead, and the rows go in.
    await createRule(tenant(makeDb(env.DB), a.accountId), {
      name: "Старое правило",
      enabled: true,
      trigger: "import.row",
      conditions: { match: "all", items: [{ field: "lead.custom:777", op: "empty" }] },
      actions: [{ type: "skip" }],
    });
    const rows: unknown[][] = [["Имя", "Телефон"]];
    for (let i = 0; i < 3; i++) rows.push([`Строка ${i}`, `+7 904 000-00-0${i}`]);
    const done = await importFile(a, "old-rule.xlsx", sheetFile(rows));
    expect(done).toMatchObject({ status: "done", created: 3, skipped: 0, failed: 0 });
    const invalid = await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "rule.invalid")));
    expect(invalid).toHaveLength(1);
    expect(invalid[0]!.message).toContain("«Старое правило»");
    expect(invalid[0]!.message).toContain(`import ${done.id}`);
  });

  it("hands back an error report: the original columns plus the reason, every cell neutralised", async () => {
    const a = await installAccount();
    const file = sheetFile([
      ["Имя", "Телефон", "Комментарий"],
      ["=HYPERLINK(\"http://evil.example\",\"click\")", "abc", "+SUM(A1:A9)"],
      ["Хороший", "+7 999 555-44-33", "ok"],
      ["@cmd", "12", "-2+3"],
    ]);
    const done = await importFile(a, "report.xlsx", file);
    expect(done).toMatchObject({ status: "done", created: 1, failed: 2, hasReport: true });

    const res = await adminFetch(a, `/api/admin/imports/${done.id}/report.xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    const book = XLSX.read(new Uint8Array(await res.arrayBuffer()), { type: "array" });
    const sheet = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[book.SheetNames[0]!]!, { header: 1, defval: null });
    expect(sheet[0]).toEqual(["Строка", "Ошибка", "Error", "Имя", "Телефон", "Комментарий"]);
    expect(sheet).toHaveLength(3);
    expect(sheet[1]).toEqual([2, "Строка 2: телефон «abc» в колонке «Телефон» не похож на номер", 'Row 2: phone "abc" in column "Телефон" is not a number', "'=HYPERLINK(\"http://evil.example\",\"click\")", "abc", "'+SUM(A1:A9)"]);
    expect(sheet[2]).toEqual([4, "Строка 4: телефон «12» в колонке «Телефон» не похож на номер", 'Row 4: phone "12" in column "Телефон" is not a number', "'@cmd", "12", "'-2+3"]);
    // No formula anywhere in the file.
    const cells = Object.entries(book.Sheets[book.SheetNames[0]!]!).filter(([k]) => !k.startsWith("!"));
    expect(cells.some(([, c]) => (c as XLSX.CellObject).f)).toBe(false);
  });

  it("retries a chunk after transient amoCRM errors and never creates a row twice", async () => {
    const a = await installAccount();
    await amo.setFaults(a.accountId, { rate: 0.35, kinds: ["500", "503", "reset"], seed: 5, paths: ["/api/v4/leads/complex"] });
    const file = generateLeadsXlsx({ rows: 300, seed: 8 });
    const done = await importFile(a, file.fileName, file.bytes);
    const state = await amo.state(a.accountId);
    await amo.setFaults(a.accountId, null);

    expect(Object.values(state.faults.injected).reduce((n, v) => n + v, 0)).toBeGreaterThan(0);
    expect(done).toMatchObject({ status: "done", total: 300, failed: 0 });
    expect(done.created).toBe(new Set(file.expected.map((e) => e.phone)).size);
    expect(state.leads).toHaveLength(done.created);
    expect(state.contacts).toHaveLength(done.created);
    const retries = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "import.chunk_retry")));
    expect(retries.length).toBeGreaterThan(0);
  });

  it("searches row by row when the contact list is longer than the rows to look up, and records why", async () => {
    const a = await installAccount();
    for (let i = 0; i < 251; i++) await amo.createContact(a.accountId, { name: `Старый ${i}`, custom_fields_values: phoneField(`+7977${String(i).padStart(7, "0")}`) });
    // The last contact sits on the second page of the list, where a one-page prefetch cannot see it.
    // amoCRM's search is plain text, so it finds the digits only where they are stored unformatted.
    const last = await amo.createContact(a.accountId, { name: "Последний", custom_fields_values: phoneField("+79779998877") });
    const before = await amo.state(a.accountId);
    const done = await importFile(
      a,
      "two.xlsx",
      sheetFile([
        ["Имя", "Телефон"],
        ["Последний из файла", "8(977)9998877"],
        ["Новый", "+7 977 555-00-11"],
      ]),
    );
    expect(done).toMatchObject({ status: "done", created: 1, updated: 1 });
    const after = await amo.state(a.accountId);
    expect(after.leads.find((l) => l.name === "Последний из файла")!.contact_ids).toEqual([last.id]);
    expect(after.contacts).toHaveLength(before.contacts.length + 1);
    // One page read before giving up on the list (pages may not outnumber the 2 rows), two searches, one write.
    const spent = (k: string) => (after.requests[k] ?? 0) - (before.requests[k] ?? 0);
    expect(spent("GET /api/v4/contacts")).toBe(3);
    expect(spent("POST /api/v4/leads/complex")).toBe(1);
    const lookup = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "import.lookup")));
    expect(lookup[0]?.data).toMatchObject({ strategy: "query", rows: 2, pages: 1 });
    expect(lookup[0]?.message).toContain("each row is searched instead");
  });
});
