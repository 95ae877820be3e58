// amoCRM access for imports: the account's client (gate, budget) counting the requests each step
// makes, so the audit log can say what an import cost; and how an amoCRM failure ends a step.
import type { Env } from "../env";
import { AmoClient, AmoError } from "../amocrm/client";
import type { AmoRequest } from "../amocrm/gate";
import { RetryLater } from "../queue/retry";
import { codedText, type CodedText } from "../lib/errors";
import { amoErrorBodySchema } from "../contracts/amocrm";

export class CountingAmoClient extends AmoClient {
  requests = 0;

  constructor(env: Env, accountId: number) {
    super(env, accountId);
  }

  override async call(req: AmoRequest): Promise<{ status: number; body: unknown }> {
    this.requests++;
    return super.call(req);
  }
}

/** The import cannot go on at all (integration removed or access revoked): fail it with this text. */
export class ImportStopped extends Error {
  constructor(readonly coded: CodedText) {
    super(coded.text);
  }
}

/** Per-item validation problems of a batch write, keyed by request_id. */
export function validationErrors(err: AmoError): Map<string, string> {
  const out = new Map<string, string>();
  const body = amoErrorBodySchema.safeParse(err.body);
  for (const item of (body.success && body.data["validation-errors"]) || []) {
    if (typeof item.request_id !== "string" && typeof item.request_id !== "number") continue;
    const text = (item.errors ?? []).map((e) => `${e.path ? `${e.path}: ` : ""}${e.detail ?? ""}`.trim()).join("; ");
    out.set(String(item.request_id), text || "validation failed");
  }
  return out;
}

/**
 * Transient failures retry the chunk later (rows already marked stay done); a revoked or missing
 * install stops the import; anything else is the batch's own problem and returned to the caller.
 */
export function rethrowUnlessBatchProblem(err: unknown): AmoError {
  if (!(err instanceof AmoError)) throw err;
  if (err.transient) throw new RetryLater(Math.max(2, Math.ceil((err.retryAfterMs ?? 5000) / 1000)), err.message);
  if (err.kind === "no_tokens" || err.kind === "reauth_required") {
    throw new ImportStopped(codedText("import_amo_access_lost", { reason: err.message }));
  }
  return err;
}
