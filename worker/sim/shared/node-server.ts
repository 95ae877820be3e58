// Serves a fetch-style handler over node:http, so a simulator written as `(Request) => Response`
// can run alone (sandbox, tests' global setup) while staying importable as a plain module.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type FetchHandler = (request: Request) => Promise<Response>;

/** Thrown by a simulator to make the server drop the TCP connection without answering. */
export class SimConnectionReset extends Error {
  constructor() {
    super("simulated connection reset");
  }
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : new Uint8Array(await readBody(req));
  return new Request(new URL(req.url ?? "/", origin), { method, headers, body });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  // Node's Headers has getSetCookie; the Workers types used for type-checking do not declare it.
  const cookies = (response.headers as Headers & { getSetCookie(): string[] }).getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (response.body) res.end(Buffer.from(await response.arrayBuffer()));
  else res.end();
}

export async function serve(handler: FetchHandler, port = 0, host = "127.0.0.1"): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    toRequest(req, origin)
      .then((request) => handler(request))
      .then((response) => writeResponse(res, response))
      .catch((err: unknown) => {
        if (err instanceof SimConnectionReset) {
          req.socket.destroy();
          return;
        }
        console.error("[sim] handler failed:", err);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("simulator error");
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
