// After a full sandbox run (install, LPTracker connection, leads with phones and calls, admin
// sign-in), nothing secret is stored in plain text and no full phone number reaches the logs.
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../scripts/sandbox-lib";

let sandbox: Sandbox;
const logs: string[] = [];
const persistTo = mkdtempSync(path.join(tmpdir(), "secrets-scan-"));
const phones = ["+79161234567", "+79035557788"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error("timed out");
}

beforeAll(async () => {
  sandbox = await startSandbox({ workerPort: 18967, amoPort: 18968, lptPort: 18969, persistTo, fresh: true, frozen: true, log: (l) => logs.push(l) });
  const projectId = sandbox.demo.projectId!;
  await sandbox.lpt.createLead(projectId, { name: "Проверка секретов", contactName: "Ольга", phone: "+7 (916) 123-45-67", email: "olga@example.ru", calls: 2 });
  await sandbox.lpt.createLead(projectId, { name: "Вторая", phone: "8 903 555 77 88", calls: 1 });
  await waitFor(async () => (await sandbox.amo.state(sandbox.demo.accountId)).leads.length === 2, 60_000);
  const link = await fetch(`${sandbox.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": await sandbox.widgetToken() } });
  const { url } = (await link.json()) as { url: string };
  await fetch(url, { redirect: "manual" });
  // Let the queue settle and the logs flush.
  await new Promise((r) => setTimeout(r, 2000));
}, 180_000);

afterAll(async () => {
  await sandbox?.stop();
});

describe("secrets at rest and in logs", () => {
  it("stores no access token, refresh token, LPTracker password or LPTracker token in plain text", async () => {
    const files = filesUnder(persistTo);
    expect(files.some((f) => f.endsWith(".sqlite"))).toBe(true);
    const lptState = await sandbox.lpt.state(sandbox.demo.lptLogin);
    expect(lptState.loginCount).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file).toString("latin1");
      expect(text, file).not.toContain(sandbox.demo.lptPassword);
      // amoCRM access tokens are JWTs: header and payload both start with eyJ.
      expect(text, file).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}/);
      // The simulator's refresh tokens and authorization codes start like amoCRM's: def50200…
      expect(text, file).not.toMatch(/def50200[A-Za-z0-9_-]{40,}/);
      expect(text, file).not.toContain(sandbox.clientSecret);
    }
  });

  it("writes no full phone number, password or token into the logs", () => {
    const text = logs.join("\n");
    // The Worker's own structured lines are in what was scanned, not just wrangler's chatter.
    expect(text).toContain('"message":"install done"');
    for (const p of phones) {
      expect(text).not.toContain(p);
      expect(text).not.toContain(p.slice(1));
      expect(text).not.toContain(p.slice(2));
    }
    expect(text).not.toContain(sandbox.demo.lptPassword);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.eyJ/);
    expect(text).not.toMatch(/def50200[A-Za-z0-9_-]{40,}/);
  });
});
