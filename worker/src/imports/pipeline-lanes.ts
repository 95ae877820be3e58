// Runs the batches of a chunk on a few concurrent lanes: one lane alone leaves the account's request
// budget idle while it waits on D1 and on amoCRM's answer; two keep a request always waiting.
export const LANES_PER_CHUNK = 2;

/**
 * Calls `work(i)` for i = 0..count-1, each index once, on `lanes` lanes taking the next index as
 * they come free. A `false` from `work` stops every lane from taking more; the first error stops
 * them too and is rethrown once the lanes in flight have finished.
 */
export async function runLanes(count: number, lanes: number, work: (index: number) => Promise<boolean>): Promise<void> {
  let next = 0;
  let stop = false;
  const failures: unknown[] = [];
  const lane = async () => {
    while (!stop && next < count) {
      const index = next++;
      try {
        if (!(await work(index))) stop = true;
      } catch (error) {
        failures.push(error);
        stop = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, count)) }, lane));
  if (failures.length) throw failures[0];
}
