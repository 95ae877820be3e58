import { describe, expect, it } from "vitest";
import { readReshapeRules, reshape, reshapeAnswer, type ReshapeRule } from "./reshape";

describe("amoCRM simulator: reshaped answers", () => {
  const page = { _page: 1, _embedded: { leads: [{ id: 1, name: "a", _embedded: { contacts: [{ id: 7 }] } }, { id: 2, name: "b" }] } };

  it("drops and sets dotted paths, `*` standing for every item, without touching the original", () => {
    const out = reshape(page, { route: "GET /api/v4/leads", drop: ["_embedded.leads.*.id"], set: { "_embedded.leads.*.price": null, "_links.next.href": "x" } });
    expect(out).toEqual({ _page: 1, _links: { next: { href: "x" } }, _embedded: { leads: [{ name: "a", price: null, _embedded: { contacts: [{ id: 7 }] } }, { name: "b", price: null }] } });
    expect(page._embedded.leads[0]!.id).toBe(1);
    expect(reshape(page, { route: "r", set: { "_embedded.leads": "oops" } })).toEqual({ _page: 1, _embedded: { leads: "oops" } });
  });

  it("changes only the named route's JSON answers, as many times as asked", async () => {
    const rules: ReshapeRule[] = [{ route: "GET /api/v4/leads", drop: ["_page"], times: 1 }];
    const answer = () => new Response(JSON.stringify(page), { headers: { "content-type": "application/hal+json" } });
    expect(await (await reshapeAnswer(rules, "GET /api/v4/contacts", answer())).json()).toEqual(page);
    expect(await (await reshapeAnswer(rules, "GET /api/v4/leads", answer())).json()).not.toHaveProperty("_page");
    expect(rules).toEqual([]);
    expect(await (await reshapeAnswer(rules, "GET /api/v4/leads", answer())).json()).toEqual(page);
    // An empty answer (204) stays empty.
    const empty = await reshapeAnswer([{ route: "GET /api/v4/leads", drop: ["x"] }], "GET /api/v4/leads", new Response(null, { status: 204 }));
    expect(empty.status).toBe(204);
  });

  it("refuses rules a test could not have meant", () => {
    expect(readReshapeRules(null)).toEqual([]);
    expect(readReshapeRules({ route: "GET /api/v4/leads", drop: ["id"] })).toEqual([{ route: "GET /api/v4/leads", drop: ["id"] }]);
    expect(readReshapeRules({ drop: ["id"] })).toMatch(/route/);
    expect(readReshapeRules({ route: "GET /x", drop: "id" })).toMatch(/drop/);
    expect(readReshapeRules({ route: "GET /x", times: 0 })).toMatch(/times/);
  });
});
