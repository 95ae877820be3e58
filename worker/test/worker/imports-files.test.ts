// Specification: hostile and broken uploads are refused with a message the user can act on and leave
// nothing behind; one account never sees another's imports; an upload's name cannot pick its path.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import { eq } from "drizzle-orm";
import { adminFetch, db, installAccount, type Installed } from "./harness";
import { imports } from "../../src/db/schema";
import { generateHostileFiles, generateLeadsXlsx, type HostileName } from "../../bench/gen-xlsx";
import { safeFileName } from "../../src/imports/pipeline-files";
import type { ApiProblem, ImportListResponse, ImportUploadResponse, ImportView } from "../../src/api-types";

function upload(a: Installed, name: string, bytes: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.append("file", new File([bytes], name));
  return adminFetch(a, "/api/admin/imports", { method: "POST", body: form });
}

async function stored(a: Installed): Promise<{ objects: string[]; rows: number }> {
  const list = await env.FILES.list({ prefix: `accounts/${a.accountId}/` });
  const rows = await db().select().from(imports).where(eq(imports.accountId, a.accountId));
  return { objects: list.objects.map((o) => o.key), rows: rows.length };
}

const STATUS: Record<string, number> = {
  "wrong-type": 415,
  "unsupported-type": 415,
  corrupt: 400,
  "password-protected": 400,
  empty: 400,
  "no-header": 400,
  "zip-bomb": 413,
  "too-many-rows": 413,
};

describe("import uploads: hostile and broken files", () => {
  // 150,000 rows stand in for a million: anything past the 100,000-row limit takes the same path,
  // and the sheet's declared size is checked before SheetJS unpacks it.
  const files = generateHostileFiles({ millionRows: 150_000 });

  it.each(Object.keys(files) as HostileName[])("refuses «%s» with its message and stores nothing", async (name) => {
    const a = await installAccount();
    const file = files[name];
    const res = await upload(a, file.fileName, file.bytes);
    const body = (await res.json()) as ApiProblem & { reason?: string };
    expect(res.status).toBe(STATUS[file.expect]);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(body.reason).toBe(file.expect);
    // A catalogue code the admin page words in Russian or English; the detail is the English for logs.
    expect(body.code).toMatch(/^import_/);
    expect(body.params).toEqual(expect.any(Object));
    expect(body.detail).toMatch(/^(The|A|No|Row) /);
    expect(await stored(a)).toEqual({ objects: [], rows: 0 });
  });

  it("refuses a file over the upload limit with 413 and stores nothing", async () => {
    const a = await installAccount();
    const big = new Uint8Array(20 * 1_048_576 + 1).fill(0x41);
    const res = await upload(a, "big.csv", big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ApiProblem).status).toBe(413);
    expect(await stored(a)).toEqual({ objects: [], rows: 0 });
  });

  it("refuses a body that is not a multipart upload, and a start with unusable columns", async () => {
    const a = await installAccount();
    const raw = await adminFetch(a, "/api/admin/imports", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: new Uint8Array([1, 2, 3]) });
    expect(raw.status).toBe(415);
    const up = (await (await upload(a, "leads.xlsx", generateLeadsXlsx({ rows: 5, seed: 3 }).bytes)).json()) as ImportUploadResponse;
    const noPhone = await adminFetch(a, `/api/admin/imports/${up.id}/start`, { method: "POST", json: { kind: "calls", columns: { name: 0 } } });
    expect(noPhone.status).toBe(400);
    expect(((await noPhone.json()) as ApiProblem).detail).toContain("Choose the phone column");
    const outside = await adminFetch(a, `/api/admin/imports/${up.id}/start`, { method: "POST", json: { kind: "leads", columns: { phone: 40 } } });
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as ApiProblem).field).toBe("columns.phone");
  });
});

describe("import uploads: names and tenants", () => {
  it("keeps an upload named with ../ inside the account's import folder", async () => {
    const a = await installAccount();
    const bytes = generateLeadsXlsx({ rows: 3, seed: 5 }).bytes;
    for (const name of ["../../../accounts/1/imports/1/evil.xlsx", "..\\..\\..\\windows.xlsx"]) {
      const res = await upload(a, name, bytes);
      expect(res.status).toBe(201);
      const up = (await res.json()) as ImportUploadResponse;
      expect(up.fileName).not.toContain("..");
      expect(up.fileName).not.toMatch(/[\\/]/);
      const [row] = await db().select().from(imports).where(eq(imports.id, up.id));
      expect(row!.fileKey).toBe(`accounts/${a.accountId}/imports/${up.id}/${up.fileName}`);
      expect(await env.FILES.head(row!.fileKey)).not.toBeNull();
    }
    expect(await env.FILES.head("accounts/1/imports/1/evil.xlsx")).toBeNull();
    const keys = (await env.FILES.list({ prefix: "accounts/" })).objects.map((o) => o.key);
    expect(keys.every((k) => k.startsWith("accounts/") && !k.includes(".."))).toBe(true);
    expect(safeFileName("../..")).toBe("file");
    expect(safeFileName(".env")).toBe("env");
    expect(safeFileName("C:\\Users\\me\\Клиенты март.xlsx")).toBe("Клиенты март.xlsx");
    expect(safeFileName('a"b<c>|d.csv')).toBe("a_b_c__d.csv");
  });

  it("never lets another account read, start, cancel or download an import", async () => {
    const a = await installAccount();
    const b = await installAccount();
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Имя", "Телефон"], ["Плохой", "abc"]]), "Лист1");
    const bytes = new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer);
    const up = (await (await upload(a, "a.xlsx", bytes)).json()) as ImportUploadResponse;

    const asB = [
      await adminFetch(b, `/api/admin/imports/${up.id}`),
      await adminFetch(b, `/api/admin/imports/${up.id}/start`, { method: "POST", json: { kind: "leads", columns: { phone: 1 } } }),
      await adminFetch(b, `/api/admin/imports/${up.id}/cancel`, { method: "POST" }),
      await adminFetch(b, `/api/admin/imports/${up.id}/report.xlsx`),
    ];
    expect(asB.map((r) => r.status)).toEqual([404, 404, 404, 404]);
    const listB = (await (await adminFetch(b, "/api/admin/imports")).json()) as ImportListResponse;
    expect(listB.items.map((i) => i.id)).not.toContain(up.id);

    // A's import is untouched and still A's to start.
    const mine = (await (await adminFetch(a, `/api/admin/imports/${up.id}`)).json()) as ImportView;
    expect(mine.status).toBe("uploaded");
    const listA = (await (await adminFetch(a, "/api/admin/imports")).json()) as ImportListResponse;
    expect(listA.items.map((i) => i.id)).toEqual([up.id]);
  });
});
