// The privacy page the consent text links to: Russian by default, English on request, naming which
// data is processed, where, for how long (the configured grace period), and how to have it deleted.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ORIGIN } from "./harness";
import { privacyPage } from "../../src/routes/privacy";

async function page(path: string): Promise<{ status: number; type: string | null; html: string }> {
  const res = await SELF.fetch(`${ORIGIN}${path}`);
  return { status: res.status, type: res.headers.get("content-type"), html: await res.text() };
}

describe("privacy page", () => {
  it("answers in Russian at /privacy with who, which data, where, how long and how to delete", async () => {
    const { status, type, html } = await page("/privacy");
    expect(status).toBe(200);
    expect(type).toContain("text/html");
    expect(html).toContain('<html lang="ru">');
    for (const part of ["Оператор", "Какие данные", "Где", "Как долго", "Как удалить данные", "Cloudflare", "через 30 дн.", "Отключить", "телефоны", "ссылка на запись"]) expect(html).toContain(part);
    expect(html).toContain('href="/privacy?lang=en"');
  });

  it("answers in English at /privacy?lang=en and /en/privacy", async () => {
    for (const path of ["/privacy?lang=en", "/en/privacy"]) {
      const { status, html } = await page(path);
      expect(status).toBe(200);
      expect(html).toContain('<html lang="en">');
      for (const part of ["operator", "Which data", "Where", "For how long", "How to have it deleted", "after 30 days", "phone numbers"]) expect(html).toContain(part);
      expect(html.replace(/<nav>.*<\/nav>/, "")).not.toMatch(/[А-яЁё]{4}/);
    }
  });

  it("names the operator and contact when configured, escaped as text", () => {
    const html = privacyPage("ru", { operator: 'ООО "Ромашка" <script>', contact: "privacy@romashka.ru", graceDays: 14 });
    expect(html).toContain("ООО &#34;Ромашка&#34; &#60;script&#62;");
    expect(html).toContain('<a href="mailto:privacy@romashka.ru">privacy@romashka.ru</a>');
    expect(html).toContain("через 14 дн.");
    expect(html).not.toContain("<script>");
  });
});
