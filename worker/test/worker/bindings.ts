// Configuration the Worker sees in tests: fixed sandbox-only secrets and the simulators' origins.
/** The simulators' ports: chosen free by vitest.config.ts, or fixed defaults. */
export const SIM_PORTS = {
  amocrm: Number(globalThis.process?.env?.SIM_AMO_PORT ?? 18901),
  lptracker: Number(globalThis.process?.env?.SIM_LPT_PORT ?? 18902),
};

export const TEST_BINDINGS = {
  PUBLIC_ORIGIN: "https://sync.test",
  AMOCRM_CLIENT_ID: "7f3c2a9e-1111-4222-8333-444455556666",
  AMOCRM_CLIENT_SECRET: "test-client-secret-0123456789abcdef0123456789abcdef",
  AMOCRM_REDIRECT_URI: "https://sync.test/oauth/amocrm/callback",
  // 32 zero-free test bytes; never used outside tests. v1 seals; the older v0 only opens (the key
  // rotation suite seals values under it to play a rotation that is under way).
  ENCRYPTION_KEY: "v1:q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=,v0:ESIzRFVmd4iZqrvM3e7/ABEiM0RVZneImaq7zN3u/wA=",
  SESSION_SECRET: "test-session-secret-abcdefghijklmnopqrstuvwxyz",
  AMOCRM_TIMEOUT_MS: "3000",
  // LPTracker documents 3 req/s; production keeps to 2 for headroom, tests use the documented limit.
  LPTRACKER_RATE_PER_SECOND: "3",
  LPTRACKER_TIMEOUT_MS: "3000",
  SANDBOX: "",
} as const;

export function simOrigins(ports: { amocrm: number; lptracker: number }) {
  return { AMOCRM_API_ORIGIN: `http://127.0.0.1:${ports.amocrm}`, LPTRACKER_API_ORIGIN: `http://127.0.0.1:${ports.lptracker}` };
}
