// Re-exports of admin answers from the API contract (kept so existing imports stay short).
export type { AdminLptResponse, CallResultsResponse } from "../../worker/src/api-types";
