// The Worker under test is the production entry (wrangler.toml's main): the sandbox's /dev/* routes
// and the parse bench are not there at all.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ORIGIN } from "./harness";

describe("production entry", () => {
  it.each([
    ["GET", "/dev/amocrm"],
    ["GET", "/dev/status"],
    ["POST", "/dev/token"],
    ["POST", "/dev/bare"],
    ["GET", "/dev/events/count"],
    ["POST", "/dev/imports/1/parse-bench?account=1"],
  ])("answers %s %s with 404", async (method, path) => {
    const res = await SELF.fetch(`${ORIGIN}${path}`, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});
