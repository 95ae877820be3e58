// zod schemas of the amoCRM API answers the Worker reads (and of the metadata it caches from them).
// Objects are loose: amoCRM adds fields freely, and only what the Worker reads is checked.
import { z } from "zod";

const id = z.number().int();

/** "amoCRM answered GET /x in an unexpected shape (_embedded.leads: expected array, received string)": the path and the field. */
export function shapeProblem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  return `amoCRM answered ${what} in an unexpected shape (${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"})`;
}

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

/** `custom_fields_values` of a lead or contact: amoCRM sends null when none is filled, and `field_code` null on custom fields. */
const amoFieldValuesSchema = z
  .array(
    z.looseObject({
      field_id: z.number().nullish(),
      field_code: z.string().nullish(),
      field_name: z.string().nullish(),
      values: z.array(z.looseObject({ value: z.unknown().optional(), enum_id: z.number().nullish(), enum_code: z.string().nullish() })),
    }),
  )
  .nullish();
const amoTagRefSchema = z.looseObject({ id: id.nullish(), name: z.string() });

/**
 * GET /api/v4/users/{id}?with=role,group: the user's id must be there (as a number, or the digits
 * the rights model has always taken); the rights themselves are read leniently by
 * amocrm/rights-model.ts, where anything malformed counts as no right.
 */
export const amoUserRightsAnswerSchema = z.looseObject({ id: z.union([id, z.string().regex(/^\d{1,15}$/)]) });

/** A contact as amoCRM answers it; the sync reads its name, owner, tags, leads and PHONE/EMAIL values. */
export const amoContactSchema = z.looseObject({
  id,
  name: z.string().nullish(),
  responsible_user_id: id.nullish(),
  updated_at: z.number().nullish(),
  custom_fields_values: amoFieldValuesSchema,
  _embedded: z.looseObject({ tags: z.array(amoTagRefSchema).nullish(), leads: z.array(z.looseObject({ id })).nullish() }).nullish(),
});
/** GET /api/v4/contacts?query=… */
export const amoContactsAnswerSchema = halPageSchema("contacts", amoContactSchema);

/**
 * A lead as amoCRM answers `GET /api/v4/leads/{id}` and lists (with=contacts embeds its contacts).
 * Every lead sits in a pipeline and a status, so those two are required; the rest may be left out
 * or null (a lead without a name, price or responsible user).
 */
export const amoLeadSchema = z.looseObject({
  id,
  name: z.string().nullish(),
  price: z.number().nullish(),
  pipeline_id: id,
  status_id: id,
  responsible_user_id: id.nullish(),
  created_at: z.number().nullish(),
  updated_at: z.number().nullish(),
  custom_fields_values: amoFieldValuesSchema,
  _embedded: z
    .looseObject({
      tags: z.array(amoTagRefSchema).nullish(),
      contacts: z.array(z.looseObject({ id, is_main: z.boolean().nullish() })).nullish(),
    })
    .nullish(),
});
/** GET /api/v4/leads?filter[id][]=… (and the other lead lists) */
export const amoLeadsAnswerSchema = halPageSchema("leads", amoLeadSchema);
/** GET /api/v4/leads?filter[updated_at][from]=…: the reconcile pass orders and resumes by `updated_at`. */
export const amoLeadsByUpdateAnswerSchema = halPageSchema("leads", amoLeadSchema.extend({ updated_at: z.number() }));

/** GET /api/v4/account?with=datetime_settings: the settings come at the top level or under `_embedded`. */
export const amoAccountTimezoneSchema = z.looseObject({
  datetime_settings: z.looseObject({ timezone: z.string().nullish() }).nullish(),
  _embedded: z.looseObject({ datetime_settings: z.looseObject({ timezone: z.string().nullish() }).nullish() }).nullish(),
});

/** GET /api/v4/webhooks?filter[destination]=… */
export const amoWebhooksAnswerSchema = halPageSchema(
  "webhooks",
  z.looseObject({ id: id.nullish(), destination: z.string(), settings: z.array(z.string()).nullish(), disabled: z.boolean().nullish() }),
);

/** A request id as amoCRM echoes it: the string or number we sent, sometimes wrapped in a list. */
const amoRequestIdSchema = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]).nullish();
const amoCallErrorSchema = z.looseObject({ request_id: amoRequestIdSchema, detail: z.string().nullish(), title: z.string().nullish() });
/** POST /api/v4/calls: placed calls, and the ones amoCRM could not place (under `errors`, top level or embedded). */
export const amoCallsAnswerSchema = z.looseObject({
  _embedded: z
    .looseObject({
      calls: z.array(z.looseObject({ id: id.nullish(), entity_id: id.nullish(), uniq: z.string().nullish(), request_id: amoRequestIdSchema })).nullish(),
      errors: z.array(amoCallErrorSchema).nullish(),
    })
    .nullish(),
  errors: z.array(amoCallErrorSchema).nullish(),
});

/** POST /api/v4/leads/unsorted/forms: the entries made, each with its lead and contact. */
export const amoUnsortedAddAnswerSchema = z.looseObject({
  _embedded: z
    .looseObject({
      unsorted: z
        .array(
          z.looseObject({
            uid: z.string().nullish(),
            _embedded: z.looseObject({ leads: z.array(z.looseObject({ id: id.nullish() })).nullish(), contacts: z.array(z.looseObject({ id: id.nullish() })).nullish() }).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});

/** A lead or contact in a list answer: only its id is read; the rest is handed on as amoCRM sent it. */
export const amoEntityRefSchema = z.looseObject({ id });

/**
 * POST /oauth2/access_token (code exchange and refresh): both tokens must be there; `expires_in` is
 * seconds (86400 in every answer seen; taken as 24 h when left out).
 */
export const amoTokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.union([z.number().positive(), z.string().regex(/^\d{1,9}$/).transform(Number)]).nullish(),
  token_type: z.string().nullish(),
});
/** A refused token request: amoCRM's reason is in `hint` ("Token has been revoked"), `detail` or `title`. */
export const amoTokenErrorSchema = z.looseObject({ hint: z.unknown(), detail: z.unknown(), title: z.unknown() });

/**
 * The payload of amoCRM's RS256 access token, decoded without verifying (not our key): only what we
 * read, and a claim in another shape reads as absent.
 */
export const amoAccessTokenClaimsSchema = z.looseObject({
  account_id: z.union([z.number(), z.string()]).optional().catch(undefined),
  api_domain: z.string().optional().catch(undefined),
  base_domain: z.string().optional().catch(undefined),
  sub: z.union([z.string(), z.number()]).optional().catch(undefined),
  exp: z.number().optional().catch(undefined),
});
export type AmoAccessTokenClaims = z.infer<typeof amoAccessTokenClaimsSchema>;

/** GET /oauth2/account/current/subdomain: which host a refresh token's account lives on now. */
export const amoAccountDomainAnswerSchema = z.looseObject({ domain: z.string().optional(), subdomain: z.string().optional(), top_level_domain: z.string().optional() });

/** POST /api/v4/leads/complex: a row per lead sent; a row without an id is a lead amoCRM did not make. */
export const amoComplexAnswerSchema = z.array(z.looseObject({ id: id.nullish(), contact_id: id.nullish(), request_id: amoRequestIdSchema }));

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
export type AmoLead = z.infer<typeof amoLeadSchema>;
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
