// Outgoing webhooks of a simulator. In "http" mode they are POSTed at once (the sandbox); in
// "outbox" mode they wait to be taken by a test, which delivers them to the Worker itself.
export interface OutgoingHook {
  id: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  createdAt: number;
  delivered?: { status: number; at: number } | { error: string; at: number };
}

export type DeliveryMode = "http" | "outbox";

export class Outbox {
  private seq = 0;
  pending: OutgoingHook[] = [];
  sent: OutgoingHook[] = [];

  constructor(public mode: DeliveryMode = "outbox") {}

  async push(hook: Omit<OutgoingHook, "id" | "createdAt">): Promise<OutgoingHook> {
    const item: OutgoingHook = { ...hook, id: ++this.seq, createdAt: Date.now() };
    if (this.mode === "outbox") {
      this.pending.push(item);
      return item;
    }
    try {
      const res = await fetch(item.url, { method: item.method, headers: item.headers, body: item.body });
      item.delivered = { status: res.status, at: Date.now() };
      await res.body?.cancel();
    } catch (err) {
      item.delivered = { error: String(err), at: Date.now() };
    }
    this.sent.push(item);
    return item;
  }

  /** Hands every pending hook to the caller and forgets it. */
  take(): OutgoingHook[] {
    const items = this.pending;
    this.pending = [];
    this.sent.push(...items);
    return items;
  }

  clear(): void {
    this.pending = [];
    this.sent = [];
  }
}
