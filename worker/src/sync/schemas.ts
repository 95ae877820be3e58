// zod schemas for what the widget and the admin page send: mappings, stage maps and rules. Messages
// are written for the person filling the form, and the limits keep rule evaluation cheap.
import { z } from "zod";
import type { MappingRow, RuleAction, RuleCondition, RuleGroup, StageMapEntry } from "./types";

export const MAX_GROUP_DEPTH = 5;
export const MAX_CONDITIONS = 50;
export const MAX_ACTIONS = 20;
export const MAX_MAPPING_ROWS = 200;
export const MAX_STAGE_MAP_ENTRIES = 500;

const id = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .positive({ error: `${what} must be a positive number` });

const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .min(1, { error: `${what} cannot be empty` })
    .max(max, { error: `${what} is too long (at most ${max} characters)` });

// ---- mapping ----

export const transformSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("as_is") }),
    z.object({ kind: z.literal("date") }),
    z.object({ kind: z.literal("number") }),
    z.object({
      kind: z.literal("enum_map"),
      map: z
        .record(z.string(), z.union([id("An amoCRM option id"), text("An amoCRM option", 255)], { error: "Each value map entry must be an amoCRM option" }))
        .refine((m) => Object.keys(m).length > 0, { error: "The value map is empty: add at least one LPTracker value and its amoCRM option" }),
      fallback: z.union([id("The fallback option id"), text("The fallback option", 255)]).optional(),
    }),
    z.object({ kind: z.literal("join"), separator: z.string({ error: "The separator must be text" }).max(10, { error: "The separator is too long (at most 10 characters)" }) }),
    z.object({
      kind: z.literal("constant"),
      value: z.union([z.string().max(1000, { error: "The fixed value is too long (at most 1000 characters)" }), z.number()], {
        error: "The fixed value must be text or a number",
      }),
    }),
  ],
  { error: (issue) => (issue.code === "invalid_union" ? "Unknown conversion: use as_is, date, number, enum_map, join or constant" : undefined) },
);

export const mappingTargetSchema = z
  .object({
    entity: z.enum(["contact", "lead"], { error: "The target must be the contact or the lead" }),
    field: z.enum(["name", "price", "responsible_user_id", "tags", "phone", "email", "custom"], {
      error: "Unknown target field: use name, price, responsible_user_id, tags, phone, email or custom",
    }),
    fieldId: id("The amoCRM field id").optional(),
    enumCode: z
      .string()
      .trim()
      .regex(/^[A-Za-z_]{1,20}$/, { error: "The phone/e-mail type must be a code such as WORK, MOB or PRIV" })
      .transform((s) => s.toUpperCase())
      .optional(),
  })
  .superRefine((t, ctx) => {
    if (t.field === "custom" && t.fieldId === undefined) {
      ctx.addIssue({ code: "custom", path: ["fieldId"], message: "Choose the amoCRM field this value goes to" });
    }
    if ((t.field === "phone" || t.field === "email") && t.entity !== "contact") {
      ctx.addIssue({ code: "custom", path: ["entity"], message: "Phones and e-mails can only go to the contact" });
    }
    if (t.field === "price" && t.entity !== "lead") {
      ctx.addIssue({ code: "custom", path: ["entity"], message: "Only a lead has a budget" });
    }
  });

export const mappingRowSchema = z
  .object({
    id: text("The row id", 64),
    source: z.string({ error: "The LPTracker value must be text" }).trim().max(200, { error: "The LPTracker value name is too long" }),
    target: mappingTargetSchema,
    transform: transformSchema,
  })
  .superRefine((row, ctx) => {
    if (row.transform.kind !== "constant" && row.source === "") {
      ctx.addIssue({ code: "custom", path: ["source"], message: "Choose which LPTracker value this row copies" });
    }
  });

export const mappingRowsSchema = z
  .array(mappingRowSchema, { error: "The mapping must be a list of rows" })
  .max(MAX_MAPPING_ROWS, { error: `A mapping can have at most ${MAX_MAPPING_ROWS} rows` })
  .superRefine((rows, ctx) => {
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      if (seen.has(row.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `Two rows share the id "${row.id}"; every row needs its own` });
      seen.add(row.id);
    });
  });

// ---- stage map ----

export const stageMapEntrySchema = z.object({
  lptStageId: id("The LPTracker stage id"),
  amoPipelineId: id("The amoCRM pipeline id"),
  amoStatusId: id("The amoCRM status id"),
  direction: z.enum(["both", "to_amo", "to_lpt"], { error: "The direction must be both, to_amo or to_lpt" }).default("both"),
});

export const stageMapSchema = z
  .array(stageMapEntrySchema, { error: "The stage map must be a list" })
  .max(MAX_STAGE_MAP_ENTRIES, { error: `A stage map can have at most ${MAX_STAGE_MAP_ENTRIES} entries` })
  .superRefine((entries, ctx) => {
    // One source must lead to one place, or a stage change would have two possible targets.
    const toAmo = new Map<number, number>();
    const toLpt = new Map<string, number>();
    entries.forEach((e, i) => {
      if (e.direction !== "to_lpt") {
        const first = toAmo.get(e.lptStageId);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [i, "lptStageId"],
            message: `LPTracker stage #${e.lptStageId} is already sent to amoCRM by entry ${first + 1}; keep one of them or make one "to_lpt"`,
          });
        } else toAmo.set(e.lptStageId, i);
      }
      if (e.direction !== "to_amo") {
        const key = `${e.amoPipelineId}:${e.amoStatusId}`;
        const first = toLpt.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [i, "amoStatusId"],
            message: `amoCRM status #${e.amoStatusId} is already sent to LPTracker by entry ${first + 1}; keep one of them or make one "to_amo"`,
          });
        } else toLpt.set(key, i);
      }
    });
  });

// ---- rules ----

export const TRIGGERS = ["lpt.lead.created", "lpt.lead.updated", "amo.lead.status_changed", "amo.lead.updated", "import.row"] as const;
export const OPERATORS = ["eq", "neq", "contains", "starts_with", "empty", "not_empty", "in", "gt", "lt", "changed_to"] as const;

const conditionValue = z.union(
  [
    z.string().max(500, { error: "A condition value is too long (at most 500 characters)" }),
    z.number(),
    z
      .array(z.union([z.string().max(500), z.number()]), { error: "List items must be text or numbers" })
      .max(100, { error: "A list can have at most 100 values" }),
  ],
  { error: "A condition value must be text, a number or a list of them" },
);

export const ruleConditionSchema = z
  .object({
    field: text("The condition's field", 200),
    op: z.enum(OPERATORS, { error: `Unknown comparison: use one of ${OPERATORS.join(", ")}` }),
    value: conditionValue.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.op === "empty" || c.op === "not_empty") return;
    const blank = c.value === undefined || (typeof c.value === "string" && c.value.trim() === "") || (Array.isArray(c.value) && c.value.length === 0);
    if (blank) ctx.addIssue({ code: "custom", path: ["value"], message: `Enter the value "${c.field}" is compared with` });
  });

const isGroupLike = (v: unknown): v is { match?: unknown; items?: unknown } => typeof v === "object" && v !== null && ("match" in v || "items" in v);

// Decides by shape instead of z.union, so a bad condition gets its own message rather than "invalid input".
const ruleItemSchema: z.ZodType<RuleCondition | RuleGroup> = z.unknown().transform((value, ctx) => {
  const schema: z.ZodType<RuleCondition | RuleGroup> = isGroupLike(value) ? ruleGroupShape : ruleConditionSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  return z.NEVER;
});

const ruleGroupShape: z.ZodType<RuleGroup> = z.lazy(() =>
  z.object({
    match: z.enum(["all", "any"], { error: 'A group must match "all" or "any" of its conditions' }),
    items: z.array(ruleItemSchema, { error: "A group's items must be a list" }),
  }),
);

function measure(value: unknown, depth: number, acc: { depth: number; conditions: number }): void {
  if (!isGroupLike(value)) {
    acc.conditions++;
    return;
  }
  acc.depth = Math.max(acc.depth, depth);
  if (depth > MAX_GROUP_DEPTH) return;
  const items = value.items;
  if (Array.isArray(items)) for (const item of items) measure(item, depth + 1, acc);
}

/** The root condition group of a rule: recursive, at most 5 levels deep and 50 conditions in all. */
export const ruleGroupSchema: z.ZodType<RuleGroup> = z
  .unknown()
  .superRefine((value, ctx) => {
    // Measured before parsing, so an absurdly deep body is refused without recursing through it.
    const acc = { depth: 0, conditions: 0 };
    measure(value, 1, acc);
    if (acc.depth > MAX_GROUP_DEPTH) {
      ctx.addIssue({ code: "custom", message: `Groups can be nested at most ${MAX_GROUP_DEPTH} levels deep; flatten some of them` });
    }
    if (acc.conditions > MAX_CONDITIONS) {
      ctx.addIssue({ code: "custom", message: `A rule can have at most ${MAX_CONDITIONS} conditions (this one has ${acc.conditions})` });
    }
  })
  .pipe(ruleGroupShape);

export const ruleActionSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("set_pipeline"), pipelineId: id("The pipeline id"), statusId: id("The status id") }),
    z.object({ type: z.literal("set_responsible"), userId: id("The user id") }),
    z.object({
      type: z.literal("add_tags"),
      tags: z
        .array(text("A tag", 100), { error: "Tags must be a list" })
        .min(1, { error: "Add at least one tag" })
        .max(20, { error: "At most 20 tags per action" }),
    }),
    z.object({ type: z.literal("add_note"), text: text("The note", 5000) }),
    z.object({
      type: z.literal("create_task"),
      text: text("The task text", 2000),
      taskTypeId: id("The task type"),
      dueInHours: z
        .number({ error: "The due time must be a number of hours" })
        .positive({ error: "The due time must be later than now" })
        .max(24 * 366, { error: "The due time can be at most a year ahead" }),
      responsibleUserId: id("The task's responsible user id").optional(),
    }),
    z.object({ type: z.literal("post_calls") }),
    z.object({ type: z.literal("lpt_push"), mode: z.enum(["create", "update"], { error: 'The push mode must be "create" or "update"' }) }),
    z.object({ type: z.literal("lpt_set_stage"), stageId: id("The LPTracker stage id") }),
    z.object({ type: z.literal("skip") }),
    z.object({ type: z.literal("stop") }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union"
        ? "Unknown action: use set_pipeline, set_responsible, add_tags, add_note, create_task, post_calls, lpt_push, lpt_set_stage, skip or stop"
        : undefined,
  },
);

type ActionType = RuleAction["type"];
type Trigger = (typeof TRIGGERS)[number];

const LPT_SIDE: ActionType[] = ["set_pipeline", "set_responsible", "add_tags", "add_note", "create_task", "post_calls", "skip", "stop"];
const AMO_SIDE: ActionType[] = ["lpt_push", "lpt_set_stage", "set_responsible", "add_tags", "add_note", "create_task", "skip", "stop"];

/**
 * Which actions make sense for which trigger: LPTracker and import events shape the amoCRM lead
 * being written; amoCRM events push back to LPTracker and annotate the amoCRM lead. Moving an amoCRM
 * lead from an amoCRM event is left out because it would feed its own webhook in a loop.
 */
export const ACTIONS_BY_TRIGGER: Record<Trigger, readonly ActionType[]> = {
  "lpt.lead.created": LPT_SIDE,
  "lpt.lead.updated": LPT_SIDE,
  "import.row": LPT_SIDE,
  "amo.lead.status_changed": AMO_SIDE,
  "amo.lead.updated": AMO_SIDE,
};

const triggerSchema = z.enum(TRIGGERS, { error: `Unknown trigger: use one of ${TRIGGERS.join(", ")}` });

const actionsSchema = z
  .array(ruleActionSchema, { error: "Actions must be a list" })
  .min(1, { error: "Add at least one action" })
  .max(MAX_ACTIONS, { error: `A rule can have at most ${MAX_ACTIONS} actions` });

const ruleFields = {
  name: text("The rule name", 100),
  enabled: z.boolean({ error: "enabled must be true or false" }),
  trigger: triggerSchema,
  conditions: ruleGroupSchema,
  actions: actionsSchema,
};

function checkActions(body: { trigger?: Trigger; actions?: RuleAction[] }, ctx: z.RefinementCtx): void {
  const actions = body.actions;
  if (!actions) return;
  if (body.trigger) {
    const allowed = ACTIONS_BY_TRIGGER[body.trigger];
    actions.forEach((a, i) => {
      if (!allowed.includes(a.type)) {
        ctx.addIssue({ code: "custom", path: ["actions", i, "type"], message: `"${a.type}" cannot be used with the trigger "${body.trigger}"` });
      }
    });
  }
  const skip = actions.findIndex((a) => a.type === "skip");
  if (skip >= 0 && actions.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: ["actions", skip],
      message: "skip drops the whole event, so other actions next to it would never run; make it the rule's only action",
    });
  }
}

/** Body of `POST /rules`. A new rule is enabled unless said otherwise. */
export const ruleCreateSchema = z
  .object({ ...ruleFields, enabled: ruleFields.enabled.default(true) })
  .superRefine((body, ctx) => checkActions(body, ctx));

/**
 * Body of `PATCH /rules/{id}`: any subset of the fields. The trigger/action check runs on what is
 * sent; the route should re-check against the stored rule when only one of the two changes.
 */
export const ruleUpdateSchema = z
  .object(ruleFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, { error: "Nothing to update: send at least one field" })
  .superRefine((body, ctx) => checkActions(body, ctx));

export type RuleCreateBody = z.infer<typeof ruleCreateSchema>;
export type RuleUpdateBody = z.infer<typeof ruleUpdateSchema>;

/** Issues as `{ path: "actions.2.tags", message }`, ready for a problem+json `detail` or a form. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

// The schemas must produce exactly the contract's types; these lines fail to compile otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameRow: Same<z.infer<typeof mappingRowSchema>, MappingRow> = true;
const sameStage: Same<z.infer<typeof stageMapEntrySchema>, StageMapEntry> = true;
const sameAction: Same<z.infer<typeof ruleActionSchema>, RuleAction> = true;
void sameRow;
void sameStage;
void sameAction;
