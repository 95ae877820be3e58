// Runs a simulator on its own: `npm run sim -- amocrm --port 8788` or `npm run sim -- lptracker`.
// Webhooks are POSTed for real (http mode). The amoCRM one needs the integration's client id,
// secret and redirect URI (env AMOCRM_CLIENT_ID, AMOCRM_CLIENT_SECRET, AMOCRM_REDIRECT_URI).
import { serve } from "./shared/node-server";
import { createAmoCrmSim } from "./amocrm/index";
import { createLpTrackerSim } from "./lptracker/index";

const args = process.argv.slice(2);
const which = args.find((a) => !a.startsWith("--")) ?? "both";
const portArg = args.indexOf("--port");
const basePort = portArg >= 0 ? Number(args[portArg + 1]) : 8788;

if (which === "amocrm" || which === "both") {
  const sim = createAmoCrmSim({
    clientId: process.env.AMOCRM_CLIENT_ID ?? "00000000-0000-4000-8000-000000000001",
    clientSecret: process.env.AMOCRM_CLIENT_SECRET ?? "sandbox-client-secret",
    redirectUri: process.env.AMOCRM_REDIRECT_URI ?? "http://127.0.0.1:8787/oauth/amocrm/callback",
    webhookMode: "http",
  });
  const s = await serve(sim.handle, basePort);
  console.log(`amoCRM simulator on ${s.url} (control API under ${s.url}/__sim/)`);
}
if (which === "lptracker" || which === "both") {
  const sim = createLpTrackerSim({ webhookMode: "http" });
  const s = await serve(sim.handle, which === "both" ? basePort + 1 : basePort);
  console.log(`LPTracker simulator on ${s.url} (control API under ${s.url}/__sim/)`);
}
