import "./global";
import { HttpsError } from "firebase-functions/v2/https";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { handleKeptStatusTask, NotLinkedYet } from "../outbound/links";

/**
 * Lands a status that came before its message had its WhatsApp id (README, "Delivery"). While the
 * message has no id yet the task answers 503 (not logged as an error) and the queue brings it back
 * after 1, 2, 4, then every 8 s: ten tries, about a minute; the sweep lands what is left after that.
 */
export const keptStatusLanding = onTaskDispatched(
  {
    retryConfig: { maxAttempts: 10, maxRetrySeconds: 120, minBackoffSeconds: 1, maxBackoffSeconds: 8, maxDoublings: 3 },
    rateLimits: { maxConcurrentDispatches: 50 },
    timeoutSeconds: 30,
    memory: "256MiB",
  },
  async (request) => {
    try {
      await handleKeptStatusTask(request.data);
    } catch (error) {
      if (error instanceof NotLinkedYet) throw new HttpsError("unavailable", error.message);
      throw error;
    }
  },
);
