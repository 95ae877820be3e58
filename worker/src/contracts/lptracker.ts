// zod schemas of the LPTracker API answers the Worker reads (the `result` inside LPTracker's
// envelope, see lptracker/envelope.ts). Objects are loose: only what the Worker reads is checked.
import { z } from "zod";

const id = z.number().int();

export const lptProjectSchema = z.looseObject({ id, name: z.string(), domain: z.string().nullish() });
export const lptStageSchema = z.looseObject({ id, name: z.string(), in_leads: z.boolean().optional(), in_deals: z.boolean().optional() });
export const lptCustomFieldSchema = z.looseObject({
  id,
  name: z.string(),
  type: z.string(),
  is_multi_select: z.boolean().optional(),
  categories: z.array(z.looseObject({ id: id.optional(), name: z.string().optional(), category: z.string().optional() })).nullish(),
});
export const lptContactFieldSchema = z.looseObject({ id, name: z.string(), type: z.string() });
export const lptCallbackUrlSchema = z.looseObject({ id, url: z.string(), name: z.string().nullish() });
export const lptStaffSchema = z.looseObject({ id, name: z.string() });
export const lptIdSchema = z.looseObject({ id });

/** POST /login: the session token (absent on a refusal, which the envelope reports). */
export const lptLoginAnswerSchema = z.looseObject({ token: z.string().optional() });

/** A list answer; LPTracker answers an empty list as null. */
export const listOf = <T extends z.ZodType>(item: T) => z.array(item).nullable().transform((v) => v ?? []);

/** GET /projects */
export const lptProjectsAnswerSchema = listOf(lptProjectSchema);
/** GET /project/:id/funnel: a bare list, or one wrapped as funnels, stages or items. */
export const lptFunnelAnswerSchema = z
  .union([
    z.array(lptStageSchema),
    z.looseObject({ funnels: z.array(lptStageSchema).optional(), stages: z.array(lptStageSchema).optional(), items: z.array(lptStageSchema).optional() }),
    z.null(),
  ])
  .transform((r) => (Array.isArray(r) ? r : (r?.funnels ?? r?.stages ?? r?.items ?? [])));
/** GET /project/:id/customs */
export const lptCustomsAnswerSchema = listOf(lptCustomFieldSchema);
/** GET /project/:id/fields */
export const lptContactFieldsAnswerSchema = listOf(lptContactFieldSchema);
/** GET /project/:id/callback-url */
export const lptCallbackUrlsAnswerSchema = listOf(lptCallbackUrlSchema);
/** GET /staff */
export const lptStaffAnswerSchema = listOf(lptStaffSchema);
/**
 * GET /lead/:project_id/list: a page of leads (null when empty); each item is read by the same
 * normaliser as GET /lead/:id (sync/mapping/lpt-lead.ts), which copes with its many shapes.
 */
export const lptLeadListAnswerSchema = listOf(z.unknown());
/** GET /contact/search, GET /contact/:id/leads: only the ids are read. */
export const lptIdsAnswerSchema = listOf(lptIdSchema);
/** GET /lead/:id, as far as linking reads it: the project the lead (or its contact) belongs to. */
export const lptLeadProjectSchema = z.looseObject({
  project_id: z.unknown().optional(),
  contact: z.looseObject({ project_id: z.unknown().optional() }).optional().catch(undefined),
});
/** A lead in GET /contact/:id/leads, as far as the card's suggestions show it (every part but the id may be missing). */
const lptNamedSchema = z.looseObject({ name: z.string().nullish() }).nullish().catch(null);
export const lptLeadSummarySchema = z.looseObject({
  id,
  name: z.string().nullish().catch(null),
  stage: lptNamedSchema,
  funnel: lptNamedSchema,
  /** Unix seconds, or `d.m.Y H:i` text as the SDK writes it. */
  created_at: z.union([z.number(), z.string()]).nullish().catch(null),
});
/** GET /contact/:id/leads */
export const lptContactLeadsAnswerSchema = listOf(lptLeadSummarySchema);

/** POST /lead */
export const lptCreatedLeadSchema = z.looseObject({ id, contact_id: id.nullish() });

export type LptProject = z.infer<typeof lptProjectSchema>;
export type LptStage = z.infer<typeof lptStageSchema>;
export type LptCustomField = z.infer<typeof lptCustomFieldSchema>;
export type LptContactField = z.infer<typeof lptContactFieldSchema>;
export type LptCallbackUrl = z.infer<typeof lptCallbackUrlSchema>;
export type LptLeadSummary = z.infer<typeof lptLeadSummarySchema>;
