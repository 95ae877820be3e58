// Lets jobs that run side by side in one isolate share a read that is already on its way: a burst
// starts a whole queue batch at once, and each job would otherwise read the same account settings
// (D1 runs those reads one after another). Nothing is kept once the read is back, so a job never
// sees older data than it would have read itself; each caller gets its own copy to change freely.
const inflight = new Map<string, Promise<unknown>>();

export async function sharedRead<T>(key: string, read: () => Promise<T>): Promise<T> {
  let running = inflight.get(key) as Promise<T> | undefined;
  if (!running) {
    running = read().finally(() => inflight.delete(key));
    inflight.set(key, running);
  }
  return structuredClone(await running);
}
