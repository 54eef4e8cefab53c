import "./global";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { handleAttemptTask } from "../outbound/deliver";
import { outboundDeps } from "./outbound-deps";

/**
 * One send attempt of one outbound message (README, "Delivery"). Task ids derive from the message and
 * its generation. The queue's own retries only serve a task that came early (the emulator ignores
 * schedule times; it then comes back every second until due) or a run that crashed; send failures are
 * retried by the delivery state machine, as new tasks. Retried for 20 minutes (a 15-minute backoff
 * fits), then the sweep takes over.
 */
export const outboundAttempt = onTaskDispatched(
  {
    retryConfig: { maxAttempts: 100, maxRetrySeconds: 1200, minBackoffSeconds: 1, maxBackoffSeconds: 1 },
    rateLimits: { maxConcurrentDispatches: 200 },
    timeoutSeconds: 60,
    memory: "256MiB",
  },
  (request) => handleAttemptTask(request.data, outboundDeps()),
);
