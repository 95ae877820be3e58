// Chromium for browser tests (playwright-core + the system's /usr/bin/chromium, flags from
// docs/toolchain.md), plus what every page test wants: console errors, a request log and screenshots.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page, type Request } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const RESULTS_DIR = path.resolve(import.meta.dirname, "../../test-results");

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowserHarness {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a fresh profile: playwright refuses `--user-data-dir` for `launch()` and
 * gives every launch its own new temporary profile directory instead, deleted on close.
 */
export async function launchChromium(): Promise<BrowserHarness> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
  return { browser, close: () => browser.close() };
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** console.error messages and uncaught exceptions, in order. */
  errors: string[];
  /** Every request the page made: method and URL. */
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

/** A page in its own context (own cookies and storage) that records errors and requests. */
export async function watchedPage(browser: Browser, opts: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1360, height: 900 }, locale: opts.locale ?? "ru-RU", timezoneId: "Europe/Moscow" });
  const page = await context.newPage();
  // An upper bound, not a pace: on a machine busy with other work a step can take several times its usual time.
  page.setDefaultTimeout(40_000);
  const errors: string[] = [];
  const requests: { method: string; url: string }[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("request", (req: Request) => requests.push({ method: req.method(), url: req.url() }));
  return { page, context, errors, requests, close: () => context.close() };
}

export async function screenshot(page: Page, name: string, opts: { selector?: string; fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  if (opts.selector) await page.locator(opts.selector).screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  return file;
}

/** Polls `check` until it returns a value other than undefined/false, or fails with `what`. */
export async function waitUntil<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000, everyMs = 300): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
