// Thrown by a job to be retried after a given delay (a 429's wait, a budget cool-down).
export class RetryLater extends Error {
  constructor(
    readonly delaySeconds: number,
    reason: string,
  ) {
    super(reason);
  }
}
