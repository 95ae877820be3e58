// Answers of admin routes that api-types.ts does not name yet. Types only, built from the contract;
// worker/test/worker/admin-dashboard.test.ts fails to compile if the route's own type drifts.
import type { LptConnectionResponse, LptProjectSchema } from "../../worker/src/api-types";

/** GET /api/admin/lptracker (declared in worker/src/routes/admin-dashboard.ts). */
export interface AdminLptResponse extends LptConnectionResponse {
  schemas: LptProjectSchema[];
  schemaErrors: { projectId: number; error: string }[];
}

/** GET /api/admin/calls/results */
export interface CallResultsResponse {
  items: string[];
}
