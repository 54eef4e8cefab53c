import { HttpsError } from "firebase-functions/v2/https";
import { performAttempt, RetryLater } from "./attempt";
import type { OutboundDeps } from "./deps";

/**
 * The task queue function's body. A task that must come back later (early, or the message is being
 * sent by another run) answers 503, which the queue retries with its backoff and which is not logged
 * as an error: in the emulator, which ignores schedule times, it is the normal way a task waits.
 */
export async function handleAttemptTask(data: unknown, deps: OutboundDeps): Promise<void> {
  try {
    await performAttempt(data, deps);
  } catch (error) {
    if (error instanceof RetryLater) throw new HttpsError("unavailable", error.message);
    throw error;
  }
}
