// Specification: a call-results spreadsheet becomes amoCRM calls on the contacts with those phones
// and rows in call_results (source "import"); the same call is never posted twice.
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { amo, db, installAccount, type Installed } from "./harness";
import { sheetFile, startImportAs, uploadImport, waitForImport } from "./imports-harness";
import { callResults } from "../../src/db/schema";
import type { ImportView } from "../../src/api-types";
import { wordText } from "../../src/contracts/texts";

async function importCalls(a: Installed, name: string, bytes: Uint8Array): Promise<ImportView> {
  const { id, detected } = await uploadImport(a, name, bytes);
  expect(detected).toMatchObject({ date: 0, phone: 1, operator: 2, duration: 3, result: 4, recording: 5, comment: 6 });
  await startImportAs(a, id, "calls", detected);
  return waitForImport(a, id);
}

const RESULTS: [string, number][] = [
  ["Разговор состоялся", 4],
  ["Не дозвонился", 6],
  ["Занято", 7],
];

describe("call-results import", () => {
  it("logs each call on the contact with that phone, stores it in call_results, and posts nothing twice on a second import", async () => {
    const a = await installAccount();
    const contacts: Awaited<ReturnType<typeof amo.createContact>>[] = [];
    for (let k = 1; k <= 5; k++) {
      contacts.push(await amo.createContact(a.accountId, { name: `Клиент ${k}`, custom_fields_values: [{ field_code: "PHONE", values: [{ value: `+7999000000${k}`, enum_code: "WORK" }] }] }));
    }
    const rows: unknown[][] = [["Дата звонка", "Телефон", "Оператор", "Длительность", "Результат", "Запись разговора", "Комментарий"]];
    for (let i = 0; i < 60; i++) {
      const k = (i % 5) + 1;
      const phone = [`+7 999 000-00-0${k}`, `8(999)000000${k}`, `999000000${k}`][i % 3];
      const [result] = RESULTS[i % 3]!;
      const day = String(1 + (i % 28)).padStart(2, "0");
      rows.push([`${day}.03.2024 14:${String(i % 60).padStart(2, "0")}`, phone, "Смирнова Анна", i % 3 === 0 ? "2:05" : 30 + i, result, i % 3 === 0 ? `https://pbx.example.ru/rec/${i}.mp3` : null, null]);
    }
    rows.push([...rows[1]!]);
    rows.push(["01.04.2024 10:00", "+7 900 123-45-67", "Смирнова Анна", 10, "Разговор состоялся", null, null]);
    rows.push(["01.04.2024 11:00", "+7 999 000-00-01", "Смирнова Анна", "долго", "Занято", null, null]);
    const file = sheetFile(rows, "Звонки");
    const before = await amo.state(a.accountId);

    const first = await importCalls(a, "звонки.xlsx", file);
    expect(first).toMatchObject({ status: "done", kind: "calls", total: 63, done: 63, created: 60, skipped: 1, failed: 2 });
    expect(first.errors.map((e) => e.row)).toEqual([62, 63, 64]);
    expect(first.errors[0]!.reason).toContain("duplicate of row 2");
    expect(first.errors[1]!.reason).toMatch(/import that contact first/);
    expect(first.errors[1]!.reasonText?.code).toBe("import_call_not_logged_no_contact");
    expect(first.errors[2]!.reason).toBe('Row 64: duration "долго" in column "Длительность" is not a duration (e.g. 125, 02:05 or 2m 5s)');
    expect(wordText("ru", first.errors[2]!.reasonText!)).toBe("Строка 64: длительность «долго» в колонке «Длительность» не похожа на длительность (например, 125, 02:05 или «2 мин 5 сек»)");

    const state = await amo.state(a.accountId);
    const calls = state.calls.filter((c) => c.source === "Импорт из файла");
    expect(calls).toHaveLength(60);
    expect((state.requests["POST /api/v4/calls"] ?? 0) - (before.requests["POST /api/v4/calls"] ?? 0)).toBe(2);
    const firstCall = calls.find((c) => c.link === "https://pbx.example.ru/rec/0.mp3")!;
    expect(firstCall).toMatchObject({ direction: "outbound", duration: 125, call_status: 4, call_result: "Разговор состоялся", entity_id: contacts[0]!.id, entity_type: "contacts", call_responsible: "Смирнова Анна" });
    expect(firstCall.created_at).toBe(Date.UTC(2024, 2, 1, 11, 0, 0) / 1000);
    expect(calls.filter((c) => c.call_status === 6)).toHaveLength(20);
    expect(calls.filter((c) => c.call_status === 7)).toHaveLength(20);
    for (let k = 1; k <= 5; k++) expect(calls.filter((c) => c.entity_id === contacts[k - 1]!.id)).toHaveLength(12);

    const stored = await db()
      .select()
      .from(callResults)
      .where(and(eq(callResults.accountId, a.accountId), eq(callResults.source, "import")));
    expect(stored).toHaveLength(61);
    expect(stored.filter((c) => c.syncStatus === "posted")).toHaveLength(60);
    expect(stored.every((c) => c.importId === first.id)).toBe(true);
    const unknown = stored.find((c) => c.phone === "+79001234567")!;
    expect(unknown).toMatchObject({ syncStatus: "failed", amoCallId: null });
    const posted = stored.find((c) => c.recordingUrl === "https://pbx.example.ru/rec/0.mp3")!;
    expect(posted).toMatchObject({ phone: "+79990000001", duration: 125, result: "Разговор состоялся", operator: "Смирнова Анна", amoCallId: String(firstCall.id), amoContactId: String(contacts[0]!.id), startedAt: Date.UTC(2024, 2, 1, 11, 0, 0) });

    const again = await importCalls(a, "звонки (копия).xlsx", file);
    expect(again).toMatchObject({ status: "done", total: 63, created: 0, skipped: 61, failed: 2 });
    expect(again.errors[0]!.reason).toContain(`already imported by import #${first.id}`);
    const after = await amo.state(a.accountId);
    expect(after.calls.filter((c) => c.source === "Импорт из файла")).toHaveLength(60);
    const stillStored = await db()
      .select()
      .from(callResults)
      .where(and(eq(callResults.accountId, a.accountId), eq(callResults.source, "import")));
    expect(stillStored).toHaveLength(61);
  });
});
