// Specification: every error the API returns is declared once (worker/src/lib/errors.ts) with a
// stable code, and each client that shows it has words for it in Russian and in English; so do the
// audit-log messages the admin page shows (worker/src/lib/audit-texts.ts).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import widgetRu from "../../../widget/i18n/ru.json";
import widgetEn from "../../../widget/i18n/en.json";
import { ru as adminRu } from "../../../admin/src/i18n/ru";
import { en as adminEn } from "../../../admin/src/i18n/en";
import { codedText, ERRORS, PARAM_WORDS, renderDetail, TEXTS, type ErrorCode, type TextCode } from "../../src/lib/errors";
import { Problem } from "../../src/lib/problem";
import { createT, withTexts, type Dict } from "../../../widget/src/i18n";
import { TEXT_WORDS, WIDGET_TEXT_CODES, wordText } from "../../src/contracts/texts";
import { problemText as widgetProblemText, storedText as widgetStoredText } from "../../../widget/src/problem";
import { auditMessage, problemText as adminProblemText, storedText as adminStoredText } from "../../../admin/src/problem";
import { AUDIT_TEXTS, AUDIT_WORDS, auditText } from "../../src/lib/audit-texts";

const CODES = Object.keys(ERRORS) as ErrorCode[];
const CYRILLIC = /[А-Яа-яЁё]/;
const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
const widgetShows = (c: ErrorCode) => ERRORS[c].shownIn === "widget" || ERRORS[c].shownIn === "both";
const adminShows = (c: ErrorCode) => ERRORS[c].shownIn === "admin" || ERRORS[c].shownIn === "both";
const widgetText = (dict: unknown, c: string) => ((dict as { problems?: Record<string, string> }).problems ?? {})[c];
const adminText = (dict: Record<string, string>, c: string) => dict[`problem.${c}`];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}
const WORKER_SRC = join(__dirname, "../../src");

describe("error catalogue", () => {
  it("writes every detail in English, for logs and API consumers", () => {
    for (const c of CODES) expect({ c, cyrillic: CYRILLIC.test(ERRORS[c].detail) }).toEqual({ c, cyrillic: false });
  });

  it("has Russian and English words in the widget for every code the widget shows", () => {
    const shown = CODES.filter(widgetShows);
    expect(shown.length).toBeGreaterThan(20);
    for (const c of shown) {
      expect({ c, ru: CYRILLIC.test(widgetText(widgetRu, c) ?? "") }).toEqual({ c, ru: true });
      expect({ c, en: typeof widgetText(widgetEn, c) === "string" && !CYRILLIC.test(widgetText(widgetEn, c)!) }).toEqual({ c, en: true });
    }
  });

  it("has Russian and English words on the admin page for every code it shows, and for every fixed word", () => {
    const ru: Record<string, string> = adminRu;
    const en: Record<string, string> = adminEn;
    const shown = CODES.filter(adminShows);
    expect(shown.length).toBeGreaterThan(40);
    for (const c of shown) {
      expect({ c, ru: CYRILLIC.test(adminText(ru, c) ?? "") }).toEqual({ c, ru: true });
      expect({ c, en: typeof adminText(en, c) === "string" }).toEqual({ c, en: true });
    }
    for (const [name, values] of Object.entries(PARAM_WORDS)) {
      for (const value of Object.keys(values)) {
        expect({ key: `param.${name}.${value}`, ru: CYRILLIC.test(ru[`param.${name}.${value}`] ?? ""), en: typeof en[`param.${name}.${value}`] }).toEqual({ key: `param.${name}.${value}`, ru: true, en: "string" });
      }
    }
  });

  it("lets the clients' texts name only the parameters the code carries", () => {
    for (const c of CODES) {
      const known = new Set(names(ERRORS[c].detail));
      const texts = [widgetText(widgetRu, c), widgetText(widgetEn, c), adminText(adminRu, c), adminText(adminEn, c)].filter((t): t is string => !!t);
      for (const text of texts) for (const n of names(text)) expect({ c, n, known: known.has(n) }).toEqual({ c, n, known: true });
    }
  });

  it("keeps no words for codes the catalogue no longer has", () => {
    const widgetCodes = Object.keys((widgetRu as { problems: Record<string, string> }).problems);
    const adminCodes = Object.keys(adminRu).filter((k) => k.startsWith("problem.")).map((k) => k.slice("problem.".length));
    for (const c of [...widgetCodes, ...adminCodes]) expect(CODES).toContain(c);
  });

  it("declares only codes the Worker uses", () => {
    const text = sourceFiles(WORKER_SRC).filter((f) => !f.endsWith("lib/errors.ts")).map((f) => readFileSync(f, "utf8")).join("\n");
    for (const c of CODES) expect({ c, used: text.includes(`"${c}"`) }).toEqual({ c, used: true });
  });

  it("leaves no Russian text in the Worker's error creation sites", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(WORKER_SRC)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(new Problem|problemOf|importError)\(/g)) {
        // The arguments up to the end of the statement.
        const args = text.slice(m.index!, text.indexOf(";", m.index!));
        if (CYRILLIC.test(args)) offenders.push(`${file}: ${args.slice(0, 80)}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe("problem bodies", () => {
  it("carries the code, its params and the English detail beside type, title and status", () => {
    const body = new Problem("import_already_started", { id: 7, status: "running" }).body("req-1");
    expect(body).toEqual({
      type: "/problems/conflict",
      title: "Conflict",
      status: 409,
      detail: "Import 7 has already been started (status running).",
      code: "import_already_started",
      params: { id: 7, status: "running" },
      requestId: "req-1",
    });
  });

  it("keeps machine fields at the top level and words from a fixed set in English", () => {
    const body = new Problem("lpt_login_failed", { reason: "401", field: "password" }, { field: "password" }).body();
    expect(body).toMatchObject({ status: 400, code: "lpt_login_failed", field: "password", params: { field: "password" } });
    expect(renderDetail("import_file_wrong_type", { expected: "XLSX", found: "text" })).toBe("The file does not look like XLSX: it is a text file. Open it in Excel and save it as XLSX.");
  });
});

describe("clients word a problem by its code", () => {
  const tRu = createT(widgetRu as Dict);
  const tEn = createT(widgetEn as Dict);
  const problem = { type: "/problems/conflict", title: "Conflict", status: 409, detail: "This LPTracker lead is already linked to amoCRM lead 42.", code: "card_lead_already_linked", params: { amoId: 42 } };

  it("widget: Russian or English from its i18n file, the detail for a code it does not know", () => {
    expect(widgetProblemText(problem, "ru", tRu)).toBe("Эта заявка LPTracker уже связана со сделкой 42.");
    expect(widgetProblemText(problem, "en", tEn)).toBe("This LPTracker lead is already linked to amoCRM lead 42.");
    expect(widgetProblemText({ ...problem, code: "from_a_newer_server", detail: "Something new." }, "ru", tRu)).toBe("Something new.");
    expect(widgetProblemText({ ...problem, code: undefined, detail: "Старый / Old" }, "en", tEn)).toBe("Old");
  });

  it("admin page: fills words from a fixed set and amounts the local way", () => {
    const wrongType = { type: "/problems/unsupported-media-type", title: "", status: 415, detail: "…", code: "import_file_wrong_type", params: { expected: "XLSX", found: "zip-other" } };
    expect(adminProblemText(wrongType, "ru")).toBe("Файл не похож на XLSX: внутри ZIP-архив, но не книга Excel. Откройте его в Excel и сохраните как XLSX.");
    expect(adminProblemText(wrongType, "en")).toBe("The file does not look like XLSX: it is a ZIP archive but not an Excel workbook. Open it in Excel and save it as XLSX.");
    const rows = { ...wrongType, code: "import_file_too_many_rows", params: { count: 1_000_000, limit: 100_000 } };
    expect(adminProblemText(rows, "ru").replace(/\s/g, " ")).toBe("В файле слишком много строк: 1 000 000, допустимо не больше 100 000. Разбейте файл на части.");
    expect(adminProblemText(rows, "en")).toBe("The file has too many rows: 1,000,000, the limit is 100,000. Split it into parts.");
    expect(adminProblemText({ ...rows, code: "from_a_newer_server", detail: "Something new." }, "ru")).toBe("Something new.");
  });
});

describe("audit-log messages", () => {
  const ru: Record<string, string> = adminRu;
  const en: Record<string, string> = adminEn;

  it("stores the English text and the code with its params beside the row's other data", () => {
    expect(auditText("uninstalled", { days: 30 }, { purgeAfter: 5 })).toEqual({
      message: "The integration was disabled in amoCRM; data is deleted after 30 days unless it is reinstalled",
      data: { purgeAfter: 5, text: { code: "uninstalled", params: { days: 30 } } },
    });
    expect(auditText("admin_rights_lost", { userId: 7, why: "user_gone" }).message).toBe("Admin user 7 was signed out: the user no longer exists in amoCRM");
  });

  it("has Russian and English words on the admin page for every code and fixed word", () => {
    for (const c of Object.keys(AUDIT_TEXTS)) {
      expect({ c, ru: CYRILLIC.test(ru[`audit.text.${c}`] ?? ""), en: typeof en[`audit.text.${c}`] }).toEqual({ c, ru: true, en: "string" });
      const known = new Set(names(AUDIT_TEXTS[c as keyof typeof AUDIT_TEXTS]));
      for (const n of [...names(ru[`audit.text.${c}`]!), ...names(en[`audit.text.${c}`]!)]) expect({ c, n, known: known.has(n) }).toEqual({ c, n, known: true });
    }
    for (const v of Object.keys(AUDIT_WORDS.why)) expect({ v, ru: CYRILLIC.test(ru[`param.why.${v}`] ?? ""), en: typeof en[`param.why.${v}`] }).toEqual({ v, ru: true, en: "string" });
  });

  it("writes no Russian text into the audit log", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(WORKER_SRC)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(writeAudit|auditInsert)\(/g)) {
        // The call runs to its closing `});` (an object literal) or `);` at a line's end, whichever comes first.
        const ends = ["});", ");\n"].map((e) => text.indexOf(e, m.index!)).filter((i) => i >= 0);
        const call = text.slice(m.index!, Math.min(...ends));
        if (CYRILLIC.test(call)) offenders.push(`${file}: ${call.slice(0, 80)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("shows an entry in the page's language from its code, and an older entry by its stored message", () => {
    const entry = { message: "Admin user 7 signed out", data: { sid: "s", text: { code: "admin_signed_out", params: { userId: 7 } } } };
    expect(auditMessage(entry, "ru")).toBe("Администратор 7 вышел");
    expect(auditMessage(entry, "en")).toBe("Admin user 7 signed out");
    const lost = auditText("admin_rights_lost", { userId: 7, why: "not_admin" });
    expect(auditMessage(lost, "ru")).toBe("Сессия администратора 7 завершена: пользователь больше не администратор amoCRM");
    expect(auditMessage({ message: "Администратор 7 вышел / Admin user 7 signed out", data: null }, "en")).toBe("Admin user 7 signed out");
    expect(auditMessage({ message: "Rule «x» saved.", data: { text: { code: "from_a_newer_server" } } }, "ru")).toBe("Rule «x» saved.");
  });
});

describe("stored texts (event reasons, import texts, the install action, the connection warning)", () => {
  const ru: Record<string, string> = adminRu;
  const en: Record<string, string> = adminEn;
  const TEXT_CODES = Object.keys(TEXTS) as TextCode[];
  /** Where the Worker used to write «русский / English» in one string; only codes and English now. */
  const FORMERLY_BILINGUAL = [
    "sync/run/hold.ts",
    "sync/run/run-event.ts",
    "amocrm/gate.ts",
    "lptracker/connection.ts",
    "auth/install-status.ts",
    "imports/job-parse.ts",
    "imports/jobs.ts",
    "imports/pipeline-amo.ts",
    "imports/pipeline-calls.ts",
    "imports/pipeline-leads.ts",
    "imports/pipeline-rows.ts",
    "imports/report.ts",
    "imports/normalize.ts",
    "imports/cells.ts",
    "routes/admin-imports.ts",
  ];
  /** The widget's dictionary as the build publishes it: the i18n file plus the shared texts. */
  const widgetDict = (dict: unknown, lang: "ru" | "en") => withTexts(dict as Dict, lang);
  const widgetTexts = (dict: Dict) => (dict.texts && typeof dict.texts === "object" ? dict.texts : {}) as Record<string, string>;

  it("writes every text in English, with Russian and English words on the admin page naming only its params", () => {
    for (const c of TEXT_CODES) {
      expect({ c, cyrillic: CYRILLIC.test(TEXTS[c]) }).toEqual({ c, cyrillic: false });
      expect({ c, ru: CYRILLIC.test(ru[`text.${c}`] ?? ""), en: typeof en[`text.${c}`] }).toEqual({ c, ru: true, en: "string" });
      const known = new Set(names(TEXTS[c]));
      for (const n of [...names(ru[`text.${c}`]!), ...names(en[`text.${c}`]!)]) expect({ c, n, known: known.has(n) }).toEqual({ c, n, known: true });
    }
  });

  it("has widget words for the texts the widget shows", () => {
    const ru = widgetTexts(widgetDict(widgetRu, "ru"));
    const en = widgetTexts(widgetDict(widgetEn, "en"));
    for (const c of ["install_reinstall_action", "lpt_projects_unavailable"]) {
      expect({ c, ru: CYRILLIC.test(ru[c] ?? ""), en: typeof en[c] === "string" && !CYRILLIC.test(en[c]!) }).toEqual({ c, ru: true, en: true });
    }
    for (const c of [...Object.keys(ru), ...Object.keys(en)]) expect(TEXT_CODES).toContain(c);
  });

  it("keeps each text's words once, in the Worker's contracts: the clients and the report take them from there", () => {
    // The i18n files hold no stored texts of their own; the build adds the shared ones (widget/vite.config.ts).
    expect((widgetRu as Record<string, unknown>).texts).toBeUndefined();
    expect((widgetEn as Record<string, unknown>).texts).toBeUndefined();
    for (const c of TEXT_CODES) {
      expect({ c, ru: ru[`text.${c}`], en: en[`text.${c}`] }).toEqual({ c, ru: TEXT_WORDS.ru[c], en: TEXT_WORDS.en[c] });
      expect(TEXT_WORDS.en[c]).toBe(TEXTS[c]);
    }
    for (const c of WIDGET_TEXT_CODES) expect(widgetTexts(widgetDict(widgetRu, "ru"))[c]).toBe(TEXT_WORDS.ru[c]);
    const report = readFileSync(join(WORKER_SRC, "imports/report.ts"), "utf8");
    expect(report).not.toMatch(/admin\/src|widget\//);
  });

  it("words a refused row's every cell issue on the admin page, in Russian and English", () => {
    const row = codedText("import_row_invalid", { row: 4 }, [
      codedText("import_cell_phone_invalid", { value: "12-34", column: "Телефон" }),
      codedText("import_cell_email_invalid", { value: "a@", column: "Почта" }),
    ]);
    expect(row.text).toBe('Row 4: phone "12-34" in column "Телефон" is not a number; e-mail "a@" in column "Почта" is not an e-mail address');
    expect(adminStoredText(row.text, row.ref, "ru")).toBe("Строка 4: телефон «12-34» в колонке «Телефон» не похож на номер; e-mail «a@» в колонке «Почта» не похож на адрес почты");
    expect(adminStoredText(row.text, row.ref, "en")).toBe(row.text);
    expect(wordText("ru", row.ref)).toBe(adminStoredText(row.text, row.ref, "ru"));
    // A part the page has no words for: the stored English whole, never half a sentence.
    const newer = { ...row.ref, items: [...row.ref.items!, { code: "from_a_newer_server", params: {} }] };
    expect(adminStoredText(row.text, newer, "ru")).toBe(row.text);
  });

  it("keeps no «русский / English» pair in the files that carried one", () => {
    const pair = /[\u0400-\u04FF].* \/ [A-Za-z]/;
    for (const file of FORMERLY_BILINGUAL) {
      const lines = readFileSync(join(WORKER_SRC, file), "utf8").split("\n");
      const offenders = lines.filter((l) => pair.test(l));
      expect({ file, offenders }).toEqual({ file, offenders: [] });
    }
  });

  it("stores the English text and the code; the clients word it and fall back to the stored text", () => {
    const warning = codedText("lpt_projects_unavailable", { reason: "timeout" });
    expect(warning).toEqual({ text: "Could not load LPTracker projects: timeout", ref: { code: "lpt_projects_unavailable", params: { reason: "timeout" } } });
    expect(adminStoredText(warning.text, warning.ref, "ru")).toBe("Не удалось получить проекты LPTracker: timeout");
    expect(adminStoredText(warning.text, warning.ref, "en")).toBe("Could not load LPTracker projects: timeout");
    expect(widgetStoredText(warning.text, warning.ref, "ru", createT(widgetDict(widgetRu, "ru")))).toBe("Не удалось получить проекты LPTracker: timeout");
    expect(widgetStoredText(warning.text, warning.ref, "en", createT(widgetDict(widgetEn, "en")))).toBe("Could not load LPTracker projects: timeout");
    // Old rows: the bilingual text, no code; a code from a newer server: the stored English.
    expect(adminStoredText("Ждёт. / Waits.", null, "ru")).toBe("Ждёт.");
    expect(adminStoredText("Waits.", { code: "from_a_newer_server", params: {} }, "ru")).toBe("Waits.");
    expect(widgetStoredText("Ждёт. / Waits.", undefined, "en", createT(widgetEn as Dict))).toBe("Waits.");
  });
});
