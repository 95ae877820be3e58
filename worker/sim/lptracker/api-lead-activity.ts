// Lead activity routes: comments (a just-created lead refuses them for `commentDelayMs` with
// 400 "Invalid lead ID", §2.5), payments, the call list, and POST /lead/{id}/call, which only records a dial.
import { type ApiCtx, type ApiRoute } from "./api-context";
import { changeLead, leadOf } from "./api-leads";
import { formatDmyHis } from "./dates";
import { invalid, LptError } from "./envelope";
import { optString } from "./input";
import { parsePayment } from "./lead-input";
import { recordDial } from "./lead-ops";
import { presentCall } from "./present";
import type { SimComment } from "./types";

const invalidLeadId = () => new LptError(400, "Invalid lead ID");

function addComment(ctx: ApiCtx): SimComment {
  const lead = leadOf(ctx, invalidLeadId());
  if (ctx.store.now() - lead.createdAt < ctx.store.behaviour(ctx.user).commentDelayMs) throw invalidLeadId();
  const text = optString(ctx.body.text, "text");
  if (!text?.trim()) throw invalid("Field text is required");
  const main = ctx.user.staff.find((s) => s.type === "main") ?? ctx.user.staff[0]!;
  const comment: SimComment = {
    id: ctx.store.nextId(),
    text,
    author: { type: "main", id: main.id, name: main.name },
    created_at: formatDmyHis(ctx.store.now(), ctx.store.options.utcOffsetMinutes),
  };
  ctx.store.own(ctx.user, comment.id);
  lead.comments.push(comment);
  return { ...comment };
}

export const leadActivityRoutes: ApiRoute[] = [
  { method: "POST", pattern: "/lead/:id/comment", handler: addComment },
  { method: "GET", pattern: "/lead/:id/comments", handler: (ctx) => leadOf(ctx).comments.map((c) => ({ ...c })) },
  { method: "GET", pattern: "/lead/:id/calls", handler: (ctx) => presentCall(ctx.user, leadOf(ctx)) },
  {
    method: "POST",
    pattern: "/lead/:id/call",
    handler: (ctx) => {
      // The real call phones the client; the sim only writes it down so tests can prove it never happens.
      recordDial(ctx.store, ctx.user, leadOf(ctx), "lead.call");
      return null;
    },
  },
  {
    method: "POST",
    pattern: "/lead/:id/payment",
    handler: (ctx) => changeLead(ctx, leadOf(ctx), { addPayments: [parsePayment(ctx.body)] }),
  },
];
