// Starts nothing yet beyond a probe server; the simulators join here when they exist.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export default async function setup() {
  const server = createServer((req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify({ probe: true, url: req.url })); });
  await new Promise<void>((r) => server.listen(18999, "127.0.0.1", () => r()));
  console.log("probe on", (server.address() as AddressInfo).port);
  return async () => { await new Promise<void>((r) => server.close(() => r())); };
}
