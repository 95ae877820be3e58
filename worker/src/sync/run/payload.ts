// An event's stored payload (JSON text written at intake) read back as an object of fields; what
// each field means is read by the job itself, field by field.
import { z } from "zod";

const fieldsSchema = z.record(z.string(), z.unknown());

export function payloadFields(text: string): Record<string, unknown> {
  return fieldsSchema.safeParse(JSON.parse(text)).data ?? {};
}
