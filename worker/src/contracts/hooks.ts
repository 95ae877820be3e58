// zod schemas of the two webhook bodies: LPTracker's lead event (JSON, after lptracker's own
// wrappers are taken off in routes/hooks.ts) and amoCRM's lead hook (a PHP-style form, decoded by
// lib/php-form.ts). Only what the intake reads is checked; the rest is stored as sent.
import { z } from "zod";

/** LPTracker lead event: the lead itself (`id`), or a wrapper with `lead.id`; `project_id` when LPTracker names it. */
export const lptHookBodySchema = z.looseObject({
  id: z.unknown().optional(),
  lead: z.looseObject({ id: z.unknown().optional() }).optional().catch(undefined),
  project_id: z.unknown().optional(),
});

/** One lead of an amoCRM hook: its id and what tells two deliveries of the same change apart. */
export const amoHookLeadSchema = z.looseObject({
  id: z.unknown().optional(),
  updated_at: z.unknown().optional(),
  last_modified: z.unknown().optional(),
  status_id: z.unknown().optional(),
});

/** amoCRM lead hook (`update_lead`, `status_lead`); a part of another shape is ignored, as amoCRM may add kinds. */
export const amoHookFormSchema = z.looseObject({
  account: z.looseObject({ id: z.unknown().optional() }).optional().catch(undefined),
  leads: z
    .looseObject({
      update: z.array(z.unknown()).optional().catch(undefined),
      status: z.array(z.unknown()).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

export type LptHookBody = z.infer<typeof lptHookBodySchema>;
export type AmoHookForm = z.infer<typeof amoHookFormSchema>;
export type AmoHookLead = z.infer<typeof amoHookLeadSchema>;
