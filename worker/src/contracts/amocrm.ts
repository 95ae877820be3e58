// zod schemas of the amoCRM API answers the Worker reads (and of the metadata it caches from them).
// Objects are loose: amoCRM adds fields freely, and only what the Worker reads is checked.
import { z } from "zod";

const id = z.number().int();

// ---- raw answers ----

/** The HAL list envelope of every `/api/v4/…` list: items under `_embedded[entity]`. */
export function halPageSchema<T extends z.ZodType>(entity: string, item: T) {
  return z.looseObject({
    _embedded: z.looseObject({ [entity]: z.array(item).optional() }).optional(),
    _links: z.looseObject({ next: z.looseObject({ href: z.string() }).optional() }).optional(),
    _page: z.number().optional(),
    _page_count: z.number().optional(),
  });
}

/** An amoCRM error body (RFC 7807 with `validation-errors` on a 400). */
export const amoErrorBodySchema = z.looseObject({
  title: z.string().optional(),
  detail: z.string().optional(),
  "validation-errors": z.array(z.looseObject({ errors: z.array(z.looseObject({ path: z.string().optional(), detail: z.string().optional() })).optional() })).optional(),
});

/** GET /api/v4/account (with task_types and users_groups when asked). */
export const amoAccountInfoSchema = z.looseObject({
  id,
  name: z.string(),
  subdomain: z.string(),
  country: z.string().optional(),
  currency: z.string().optional(),
  current_user_id: id.optional(),
  _embedded: z
    .looseObject({
      task_types: z.array(z.looseObject({ id, name: z.string(), code: z.string().nullish() })).optional(),
      users_groups: z.array(z.looseObject({ id, name: z.string() })).optional(),
    })
    .optional(),
});

export const amoRawPipelineSchema = z.looseObject({
  id,
  name: z.string(),
  sort: z.number(),
  is_main: z.boolean(),
  _embedded: z.looseObject({ statuses: z.array(z.looseObject({ id, name: z.string(), sort: z.number(), color: z.string().optional(), type: z.number().optional() })).optional() }).optional(),
});
/** GET /api/v4/leads/pipelines */
export const amoPipelinesAnswerSchema = halPageSchema("pipelines", amoRawPipelineSchema);

/** An item of GET /api/v4/{leads|contacts}/custom_fields */
export const amoRawFieldSchema = z.looseObject({
  id,
  name: z.string(),
  code: z.string().nullish(),
  type: z.string(),
  sort: z.number().optional(),
  enums: z.array(z.looseObject({ id, value: z.string(), sort: z.number().optional(), code: z.string().nullish() })).nullish(),
});

/** An item of GET /api/v4/users, rights included. */
export const amoRawUserSchema = z.looseObject({
  id,
  name: z.string(),
  email: z.string().optional(),
  rights: z.looseObject({ is_admin: z.boolean().optional(), group_id: id.nullish() }).optional(),
});

/** A contact as amoCRM answers it; the sync reads its name, owner, tags, leads and PHONE/EMAIL values. */
export const amoContactSchema = z.looseObject({
  id,
  name: z.string().optional(),
  responsible_user_id: id.optional(),
  custom_fields_values: z
    .array(z.looseObject({ field_id: z.number().optional(), field_code: z.string().optional(), values: z.array(z.looseObject({ value: z.unknown().optional(), enum_code: z.string().optional() })) }))
    .nullish(),
  _embedded: z.looseObject({ tags: z.array(z.looseObject({ name: z.string() })).optional(), leads: z.array(z.looseObject({ id })).optional() }).optional(),
});
/** GET /api/v4/contacts?query=… */
export const amoContactsAnswerSchema = halPageSchema("contacts", amoContactSchema);

/** A lead or contact in a list answer: only its id is read; the rest is handed on as amoCRM sent it. */
export const amoEntityRefSchema = z.looseObject({ id });

/** GET /oauth2/account/current/subdomain: which host a refresh token's account lives on now. */
export const amoAccountDomainAnswerSchema = z.looseObject({ domain: z.string().optional(), subdomain: z.string().optional(), top_level_domain: z.string().optional() });

/** One row of POST /api/v4/leads/complex. */
export const amoComplexAnswerSchema = z.array(z.looseObject({ id, contact_id: id.nullish() }));

// ---- the cached metadata (GET /api/widget/metadata answers it as is) ----

export const amoEnumSchema = z.object({ id, value: z.string(), code: z.string().optional(), sort: z.number().optional() });
export const amoCustomFieldSchema = z.object({
  id,
  name: z.string(),
  code: z.string().nullish(),
  /** text | numeric | checkbox | select | multiselect | date | date_time | url | textarea | radiobutton | multitext | price | … */
  type: z.string(),
  enums: z.array(amoEnumSchema).nullish(),
  sort: z.number().optional(),
});
export const amoStatusSchema = z.object({ id, name: z.string(), sort: z.number(), color: z.string().optional(), type: z.number().optional() });
export const amoPipelineSchema = z.object({ id, name: z.string(), sort: z.number(), is_main: z.boolean(), statuses: z.array(amoStatusSchema) });
export const amoUserSchema = z.object({ id, name: z.string(), email: z.string().optional(), is_admin: z.boolean().optional() });
export const amoTaskTypeSchema = z.object({ id, name: z.string(), code: z.string().nullish() });
export const amoMetadataSchema = z.object({
  pipelines: z.array(amoPipelineSchema),
  leadFields: z.array(amoCustomFieldSchema),
  contactFields: z.array(amoCustomFieldSchema),
  users: z.array(amoUserSchema),
  taskTypes: z.array(amoTaskTypeSchema),
  fetchedAt: z.number().nullable(),
});

export type AmoContact = z.infer<typeof amoContactSchema>;
export type AmoAccountInfo = z.infer<typeof amoAccountInfoSchema>;
export type AmoRawPipeline = z.infer<typeof amoRawPipelineSchema>;
export type AmoRawField = z.infer<typeof amoRawFieldSchema>;
export type AmoRawUser = z.infer<typeof amoRawUserSchema>;
export type AmoEnum = z.infer<typeof amoEnumSchema>;
export type AmoCustomField = z.infer<typeof amoCustomFieldSchema>;
export type AmoStatus = z.infer<typeof amoStatusSchema>;
export type AmoPipeline = z.infer<typeof amoPipelineSchema>;
export type AmoUser = z.infer<typeof amoUserSchema>;
export type AmoTaskType = z.infer<typeof amoTaskTypeSchema>;
export type AmoMetadata = z.infer<typeof amoMetadataSchema>;
