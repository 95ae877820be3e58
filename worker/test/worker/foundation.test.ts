import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("probe", () => {
  it("serves /healthz", async () => {
    const res = await SELF.fetch("https://sync.test/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", db: "ok" });
  });
  it("reaches a loopback server from workerd", async () => {
    const res = await fetch("http://127.0.0.1:18999/x");
    expect(await res.json()).toMatchObject({ probe: true });
  });
  it("has bindings", () => {
    expect(env.DB).toBeTruthy();
  });
});
