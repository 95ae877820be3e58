// Starts both simulators in Node on fixed loopback ports for the Worker suites. Webhooks stay in
// the simulators' outboxes: tests take them and deliver them to the Worker themselves.
import { serve, type RunningServer } from "../../sim/shared/node-server";
import { createAmoCrmSim } from "../../sim/amocrm/index";
import { createLpTrackerSim } from "../../sim/lptracker/index";
import { SIM_PORTS, TEST_BINDINGS } from "./bindings";

export default async function setup() {
  const amo = createAmoCrmSim({
    clientId: TEST_BINDINGS.AMOCRM_CLIENT_ID,
    clientSecret: TEST_BINDINGS.AMOCRM_CLIENT_SECRET,
    redirectUri: TEST_BINDINGS.AMOCRM_REDIRECT_URI,
    webhookMode: "outbox",
  });
  const lpt = createLpTrackerSim({ webhookMode: "outbox", webhookEncoding: "mixed" });
  const servers: RunningServer[] = [await serve(amo.handle, SIM_PORTS.amocrm), await serve(lpt.handle, SIM_PORTS.lptracker)];
  return async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
}
