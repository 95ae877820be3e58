// Generates spreadsheets for import tests and benchmarks: realistic Russian leads and call logs,
// deterministic by seed, and a set of hostile files (bombs, fakes, protected and oversized sheets).
// Uses only Web APIs and SheetJS, so it runs in Node and in workerd alike.
import * as XLSX from "xlsx";
import { seededRandom } from "../sim/shared/faults";
import { crc32 } from "../src/imports/inflate";

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** The simulators' seeded generator: the same sequence everywhere for one seed. */
export const rng = seededRandom;

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

// ---------------------------------------------------------------------------------------------
// Russian people, phones and sources

const MALE_FIRST = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил", "Никита", "Иван", "Егор", "Павел", "Роман", "Олег", "Владимир", "Николай"];
const FEMALE_FIRST = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Екатерина", "Татьяна", "Ирина", "Светлана", "Юлия", "Анастасия", "Дарья", "Ксения", "Полина", "Виктория", "Алина"];
const SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров"];
const PATRONYMIC_ROOTS = ["Александров", "Дмитриев", "Сергеев", "Андреев", "Алексеев", "Иванов", "Михайлов", "Петров", "Николаев", "Владимиров", "Олегов", "Павлов"];
const SOURCES = ["Яндекс Директ", "Сайт", "Авито", "Рекомендация", "Выставка", "VK Реклама", "Холодный звонок", "Telegram", "2ГИС"];
const DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru"];
const LEAD_COMMENTS = ["", "", "", "Просил перезвонить после 18:00", "Интересует оптовая цена", "Нужен счёт на юрлицо", "Сравнивает с конкурентами", "Оставил заявку на сайте"];
const MOBILE_CODES = ["900", "901", "903", "905", "906", "909", "910", "912", "915", "916", "917", "919", "921", "925", "926", "929", "950", "951", "960", "964", "977", "985", "999"];

const TRANSLIT: Record<string, string> = {
  а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e", ж: "zh", з: "z", и: "i", й: "y", к: "k", л: "l", м: "m", н: "n",
  о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "kh", ц: "ts", ч: "ch", ш: "sh", щ: "sch", ъ: "", ы: "y",
  ь: "", э: "e", ю: "yu", я: "ya",
};

function translit(s: string): string {
  return [...s.toLowerCase()].map((c) => TRANSLIT[c] ?? c).join("");
}

export interface Person {
  name: string;
  surname: string;
  first: string;
}

function person(r: () => number): Person {
  const female = r() < 0.5;
  const first = female ? pick(r, FEMALE_FIRST) : pick(r, MALE_FIRST);
  const base = pick(r, SURNAMES);
  const surname = female ? `${base}а` : base;
  const root = pick(r, PATRONYMIC_ROOTS);
  const patronymic = female ? `${root.replace(/ов$/, "")}овна`.replace("евовна", "евна") : `${root}ич`;
  const name = r() < 0.7 ? `${surname} ${first} ${patronymic}` : `${first} ${surname}`;
  return { name, surname, first };
}

/** A Russian mobile as its 10 significant digits. */
function mobileDigits(r: () => number): string {
  let rest = "";
  for (let i = 0; i < 7; i++) rest += Math.floor(r() * 10);
  return pick(r, MOBILE_CODES) + rest;
}

/** The three ways people write one number: "+7 999 123-45-67", "8(999)1234567", "9991234567". */
export function formatPhone(ten: string, style: 0 | 1 | 2): string {
  if (style === 0) return `+7 ${ten.slice(0, 3)} ${ten.slice(3, 6)}-${ten.slice(6, 8)}-${ten.slice(8)}`;
  if (style === 1) return `8(${ten.slice(0, 3)})${ten.slice(3)}`;
  return ten;
}

function lastTen(phone: string): string {
  return phone.replace(/\D/g, "").slice(-10);
}

function phoneFor(r: () => number, matchShare: number, existing: string[]): { written: string; e164: string; matched: boolean } {
  const matched = existing.length > 0 && r() < matchShare;
  const ten = matched ? lastTen(pick(r, existing)) : mobileDigits(r);
  return { written: formatPhone(ten, Math.floor(r() * 3) as 0 | 1 | 2), e164: `+7${ten}`, matched };
}

// ---------------------------------------------------------------------------------------------
// Workbooks

function workbookBytes(aoa: unknown[][], decorate?: (ws: XLSX.WorkSheet) => void): Uint8Array {
  const ws = XLSX.utils.aoa_to_sheet(aoa);
  decorate?.(ws);
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, ws, "Лист1");
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx", compression: true }) as ArrayBuffer);
}

export interface GenerateOptions {
  rows: number;
  /** Share of rows (0..1) whose phone is taken from `existingPhones`: people already in the CRM. */
  matchShare?: number;
  existingPhones?: string[];
  seed?: number;
}

export interface GeneratedFile<Row> {
  fileName: string;
  bytes: Uint8Array;
  headers: string[];
  /** What each data row should normalise to, in sheet order. */
  expected: Row[];
  matched: number;
}

export interface LeadFixture {
  phone: string;
  email: string | null;
  name: string;
  source: string;
}

export const LEAD_HEADERS = ["ФИО", "Телефон", "E-mail", "Источник", "Комментарий"];

export function generateLeadsXlsx(opts: GenerateOptions): GeneratedFile<LeadFixture> {
  const r = rng(opts.seed ?? 1);
  const existing = opts.existingPhones ?? [];
  const aoa: unknown[][] = [LEAD_HEADERS];
  const expected: LeadFixture[] = [];
  let matched = 0;
  for (let i = 0; i < opts.rows; i++) {
    const p = person(r);
    const phone = phoneFor(r, opts.matchShare ?? 0, existing);
    if (phone.matched) matched++;
    const email = r() < 0.75 ? `${translit(p.first)}.${translit(p.surname)}${Math.floor(r() * 1000)}@${pick(r, DOMAINS)}` : null;
    const source = pick(r, SOURCES);
    aoa.push([p.name, phone.written, email, source, pick(r, LEAD_COMMENTS) || null]);
    expected.push({ phone: phone.e164, email, name: p.name, source });
  }
  return { fileName: `leads-${opts.rows}.xlsx`, bytes: workbookBytes(aoa), headers: LEAD_HEADERS, expected, matched };
}

export interface CallFixture {
  phone: string;
  dateUnix: number;
  durationSec: number;
  result: string;
  callStatus: number;
  recordingUrl: string | null;
  operator: string;
}

export const CALL_HEADERS = ["Дата звонка", "Телефон", "Оператор", "Длительность", "Результат", "Запись разговора", "Комментарий"];

const CALL_RESULTS: [string, number][] = [
  ["Разговор состоялся", 4],
  ["Разговор состоялся", 4],
  ["Разговор состоялся", 4],
  ["Не дозвонился", 6],
  ["Не дозвонился", 6],
  ["Занято", 7],
  ["Перезвонить позже", 2],
  ["Автоответчик", 1],
  ["Абонент недоступен", 3],
  ["Неверный номер", 5],
];
const OPERATORS = ["Смирнова Анна", "Козлов Игорь", "Орлова Дарья", "Никитин Павел", "Захарова Ольга"];
const CALL_COMMENTS = ["", "", "Договорились о встрече", "Отправить КП на почту", "Не интересно", "Просит скидку"];

/** Seconds since 1970 → Excel serial day in Moscow time (the generator's dates are Moscow wall time). */
function toSerial(unix: number): number {
  return (unix + 3 * 3600) / 86400 + 25569;
}

export function generateCallsXlsx(opts: GenerateOptions): GeneratedFile<CallFixture> {
  const r = rng(opts.seed ?? 2);
  const existing = opts.existingPhones ?? [];
  const aoa: unknown[][] = [CALL_HEADERS];
  const expected: CallFixture[] = [];
  let matched = 0;
  // 1 March 2024 09:00 Moscow, calls spread over the following 30 days, whole seconds.
  const start = Date.UTC(2024, 2, 1, 6, 0, 0) / 1000;
  for (let i = 0; i < opts.rows; i++) {
    const phone = phoneFor(r, opts.matchShare ?? 0, existing);
    if (phone.matched) matched++;
    const dateUnix = start + Math.floor(r() * 30 * 86400);
    const [result, callStatus] = pick(r, CALL_RESULTS);
    const durationSec = callStatus === 4 ? 20 + Math.floor(r() * 900) : 0;
    const style = Math.floor(r() * 3);
    const m = Math.floor(durationSec / 60);
    const s = durationSec % 60;
    const duration = style === 0 ? durationSec : style === 1 ? `${m}:${String(s).padStart(2, "0")}` : `${m} мин ${s} сек`;
    const recordingUrl = callStatus === 4 ? `https://pbx.example.ru/records/2024/03/${1000000 + i}.mp3` : null;
    const operator = pick(r, OPERATORS);
    aoa.push([toSerial(dateUnix), phone.written, operator, duration, result, recordingUrl, pick(r, CALL_COMMENTS) || null]);
    expected.push({ phone: phone.e164, dateUnix, durationSec, result, callStatus, recordingUrl, operator });
  }
  const bytes = workbookBytes(aoa, (ws) => {
    // Date cells as Excel writes them: a serial number with a date format.
    for (let row = 1; row <= opts.rows; row++) {
      const cell = ws[XLSX.utils.encode_cell({ r: row, c: 0 })] as XLSX.CellObject | undefined;
      if (cell) cell.z = "dd.mm.yyyy hh:mm:ss";
    }
  });
  return { fileName: `calls-${opts.rows}.xlsx`, bytes, headers: CALL_HEADERS, expected, matched };
}

// ---------------------------------------------------------------------------------------------
// A minimal ZIP writer, to craft archives SheetJS would never write


export interface ZipInput {
  name: string;
  /** What the entry holds once inflated: used for the CRC and, unless `deflated` is given, stored as is. */
  data: Uint8Array;
  /** Deflated bytes to store instead; method 8. */
  deflated?: Uint8Array;
  /** Uncompressed size to declare, true or not. */
  declaredSize?: number;
}

const utf8 = new TextEncoder();

export function buildZip(entries: ZipInput[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = utf8.encode(e.name);
    const payload = e.deflated ?? e.data;
    const method = e.deflated ? 8 : 0;
    const usize = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, payload.length, true);
    lv.setUint32(22, usize, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, payload.length, true);
    cv.setUint32(24, usize, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, payload);
    centrals.push(central);
    offset += local.length + payload.length;
  }
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, Math.min(entries.length, 0xffff), true);
  ev.setUint16(10, Math.min(entries.length, 0xffff), true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, eocd]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A raw DEFLATE stream that inflates to `1 + 258·n` zero bytes: one literal, then n copies of the
 * longest match. 13 bits per 258 bytes, so a ratio near 160:1 that is honest, not declared.
 */
export function deflatedZeros(n: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((3 + 8 + n * 13 + 7) / 8) + 1);
  let bit = 0;
  const put = (value: number, count: number) => {
    for (let i = 0; i < count; i++) {
      if ((value >>> i) & 1) out[bit >>> 3]! |= 1 << (bit & 7);
      bit++;
    }
  };
  // Huffman codes go most-significant bit first; `putCode` reverses them into the LSB-first stream.
  const putCode = (code: number, len: number) => {
    for (let i = len - 1; i >= 0; i--) put((code >>> i) & 1, 1);
  };
  put(1, 1); // last block
  put(1, 2); // fixed Huffman
  putCode(0x30, 8); // literal 0
  for (let i = 0; i < n; i++) {
    putCode(0xc5, 8); // length 258 (symbol 285)
    putCode(0, 5); // distance 1
  }
  putCode(0, 7); // end of block
  return out.subarray(0, Math.ceil(bit / 8));
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`;

/** The parts every hand-made workbook needs around its one sheet. */
function workbookParts(): ZipInput[] {
  return [
    { name: "[Content_Types].xml", data: utf8.encode(CONTENT_TYPES) },
    { name: "_rels/.rels", data: utf8.encode(ROOT_RELS) },
    { name: "xl/workbook.xml", data: utf8.encode(WORKBOOK) },
    { name: "xl/_rels/workbook.xml.rels", data: utf8.encode(WORKBOOK_RELS) },
  ];
}

/** Sheet XML for a header row and `rows` one-number rows, with or without a <dimension>. */
export function sheetXml(rows: number, withDimension = true): string {
  const parts: string[] = [
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`,
    withDimension ? `<dimension ref="A1:B${rows + 1}"/>` : "",
    `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Телефон</t></is></c><c r="B1" t="inlineStr"><is><t>Сумма</t></is></c></row>`,
  ];
  for (let r = 2; r <= rows + 1; r++) parts.push(`<row r="${r}"><c r="A${r}"><v>${79990000000 + r}</v></c><c r="B${r}"><v>${r % 997}</v></c></row>`);
  parts.push(`</sheetData></worksheet>`);
  return parts.join("");
}

/** A workbook whose first sheet is the given XML, stored or deflated by SheetJS's own deflater. */
export function handMadeXlsx(sheet: string, deflate = false): Uint8Array {
  const data = utf8.encode(sheet);
  const entry: ZipInput = { name: "xl/worksheets/sheet1.xml", data };
  if (deflate) entry.deflated = new Uint8Array(XLSX.CFB.utils._deflateRaw(data) as ArrayLike<number>);
  return buildZip([...workbookParts(), entry]);
}

/**
 * A small, valid workbook carrying `count` extra parts of 10 MB of zeros each: every part stays
 * under the ratio check's 10 MB floor and the total under the 200 MB cap, so only a reader that
 * unpacks what it does not need (SheetJS unpacks every part) pays for them.
 */
export function manyBigPartsXlsx(count = 18): Uint8Array {
  const n = Math.floor((10 * 1024 * 1024 - 1) / 258);
  // One zero buffer for every part: only its CRC is computed from it.
  const zeros = new Uint8Array(1 + 258 * n);
  const deflated = deflatedZeros(n);
  const parts = Array.from({ length: count }, (_, i): ZipInput => ({ name: `xl/media/image${i + 1}.bin`, data: zeros, deflated }));
  return buildZip([...workbookParts(), { name: "xl/worksheets/sheet1.xml", data: utf8.encode(sheetXml(50)) }, ...parts]);
}

// ---------------------------------------------------------------------------------------------
// Hostile files

export type HostileName =
  | "wrong-type"
  | "not-a-workbook"
  | "corrupt-zip"
  | "password-protected"
  | "empty-file"
  | "empty-sheet"
  | "no-header"
  | "zip-bomb"
  | "zip-bomb-ratio"
  | "zip-bomb-entries"
  | "zip-bomb-lying-size"
  | "corrupt-stream"
  | "million-rows-xlsx"
  | "million-rows-csv"
  | "unsupported-type";

export interface HostileFile {
  fileName: string;
  bytes: Uint8Array;
  /** The ImportFileError code the import must answer with. */
  expect: string;
}

/** Offset of an entry's local header, by scanning for its name right after a header signature. */
function findLocalHeader(zip: Uint8Array, name: string): number {
  const want = utf8.encode(name);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at + 30 + want.length <= zip.length; at++) {
    if (view.getUint32(at, true) !== 0x04034b50 || view.getUint16(at + 26, true) !== want.length) continue;
    if (want.every((b, i) => zip[at + 30 + i] === b)) return at;
  }
  throw new Error(`no local header for ${name}`);
}

function oleFile(streams: Record<string, Uint8Array>): Uint8Array {
  const CFB = XLSX.CFB;
  const cfb = CFB.utils.cfb_new();
  for (const [name, data] of Object.entries(streams)) CFB.utils.cfb_add(cfb, `/${name}`, data);
  return new Uint8Array(CFB.write(cfb, { type: "array" }) as ArrayLike<number>);
}

/** Each hostile file under the name a user would upload it with, and the answer it must get. */
export function generateHostileFiles(opts: { millionRows?: number } = {}): Record<HostileName, HostileFile> {
  const million = opts.millionRows ?? 1_000_000;
  const good = generateLeadsXlsx({ rows: 30, seed: 7 }).bytes;
  const csvText = "Телефон;Имя\n+7 999 123-45-67;Иван\n";

  // Agile encryption as Excel writes it: an XML descriptor after a 8-byte version header.
  const encryptionInfo = new Uint8Array([4, 0, 4, 0, 0x40, 0, 0, 0, ...utf8.encode('<?xml version="1.0"?><encryption/>')]);

  const emptySheet = workbookBytes([]);
  const noHeader = workbookBytes([
    [79991234567, "Иванов Иван", "ivan@mail.ru"],
    [79161234567, "Петров Пётр", "petr@mail.ru"],
  ]);

  // 4 GB declared for a sheet that holds a few bytes: refused by the total cap before any inflate.
  const bombTotal = buildZip([
    ...workbookParts(),
    { name: "xl/worksheets/sheet1.xml", data: new Uint8Array(1 + 258 * 4), deflated: deflatedZeros(4), declaredSize: 0xfff00000 },
  ]);
  // An honest bomb: 20 MB of zeros that really deflate to ~125 KB, over 100:1.
  const zeros = 80_000;
  const bombRatio = buildZip([
    ...workbookParts(),
    { name: "xl/worksheets/sheet1.xml", data: new Uint8Array(1 + 258 * zeros), deflated: deflatedZeros(zeros) },
  ]);
  // Declares one kilobyte and inflates to 20 MB: only inflating it, bounded, can tell.
  const bombLying = buildZip([
    ...workbookParts(),
    { name: "xl/worksheets/sheet1.xml", data: new Uint8Array(1 + 258 * zeros), deflated: deflatedZeros(zeros), declaredSize: 1024 },
  ]);
  // A sound directory over a damaged sheet stream: SheetJS's own inflater would spin on it forever.
  const damaged = good.slice();
  const sheetAt = findLocalHeader(damaged, "xl/worksheets/sheet1.xml");
  for (let i = 0; i < 64; i++) damaged[sheetAt + 200 + i] = (i * 37) & 0xff;
  const many: ZipInput[] = workbookParts();
  for (let i = 0; many.length <= 10_000; i++) many.push({ name: `xl/media/p${i}.bin`, data: new Uint8Array(0) });

  const csvLines: string[] = ["Телефон;Имя"];
  for (let i = 0; i < million; i++) csvLines.push(`${9990000000 + i};Имя ${i % 100}`);

  return {
    "wrong-type": { fileName: "leads.xlsx", bytes: utf8.encode(csvText), expect: "wrong-type" },
    "not-a-workbook": {
      fileName: "report.xlsx",
      bytes: buildZip([{ name: "[Content_Types].xml", data: utf8.encode(CONTENT_TYPES) }, { name: "word/document.xml", data: utf8.encode("<w:document/>") }]),
      expect: "wrong-type",
    },
    "corrupt-zip": { fileName: "leads.xlsx", bytes: good.subarray(0, Math.floor(good.length * 0.6)), expect: "corrupt" },
    "password-protected": {
      fileName: "leads.xlsx",
      bytes: oleFile({ EncryptionInfo: encryptionInfo, EncryptedPackage: new Uint8Array(4096).fill(0x5a) }),
      expect: "password-protected",
    },
    "empty-file": { fileName: "leads.csv", bytes: new Uint8Array(0), expect: "empty" },
    "empty-sheet": { fileName: "leads.xlsx", bytes: emptySheet, expect: "empty" },
    "no-header": { fileName: "leads.xlsx", bytes: noHeader, expect: "no-header" },
    "zip-bomb": { fileName: "leads.xlsx", bytes: bombTotal, expect: "zip-bomb" },
    "zip-bomb-ratio": { fileName: "leads.xlsx", bytes: bombRatio, expect: "zip-bomb" },
    "zip-bomb-entries": { fileName: "leads.xlsx", bytes: buildZip(many), expect: "zip-bomb" },
    "zip-bomb-lying-size": { fileName: "leads.xlsx", bytes: bombLying, expect: "zip-bomb" },
    "corrupt-stream": { fileName: "leads.xlsx", bytes: damaged, expect: "corrupt" },
    "million-rows-xlsx": { fileName: "calls.xlsx", bytes: handMadeXlsx(sheetXml(million), true), expect: "too-many-rows" },
    "million-rows-csv": { fileName: "calls.csv", bytes: utf8.encode(csvLines.join("\r\n")), expect: "too-many-rows" },
    "unsupported-type": { fileName: "leads.pdf", bytes: utf8.encode("%PDF-1.4\n"), expect: "unsupported-type" },
  };
}
