import { createHash } from "node:crypto";
import { logger } from "../shared/logger";
import { enqueueOnce } from "../shared/task-queue";
import { z } from "zod";
import { FUNCTIONS_REGION } from "../config/region";
import type { Providers } from "../messaging/provider";

/** What one send-attempt task carries: which message, and the generation it may act on. */
export const attemptTaskSchema = z.object({
  vendorId: z.string().min(1),
  customer: z.string().min(1),
  messageId: z.string().min(1),
  generation: z.number().int().positive(),
});
export type AttemptTask = z.infer<typeof attemptTaskSchema>;

/** A task to enqueue once the transaction that decided it has committed; `at` = not before. */
export interface Dispatch extends AttemptTask {
  at?: number;
}

/** Where send attempts are queued: Cloud Tasks in functions, an in-process runner in some tests. */
export interface AttemptScheduler {
  schedule(dispatches: readonly Dispatch[]): Promise<void>;
}

/**
 * The task id of one generation of one message: the same dispatch enqueued twice is refused by the
 * queue, so a duplicated enqueue is harmless. Hashed: message ids may hold characters task ids refuse.
 */
export function taskIdFor(task: AttemptTask): string {
  const key = createHash("sha256")
    .update(`${task.vendorId}/${task.customer}/${task.messageId}`)
    .digest("hex")
    .slice(0, 40);
  return `${key}-${task.generation}`;
}

export const ATTEMPT_FUNCTION = "outboundAttempt";

/**
 * Enqueues on the `outboundAttempt` task queue (Cloud Tasks; the Functions emulator's own queue
 * locally). A failed enqueue is logged, not thrown: the message stays in Firestore, where the sweep
 * finds it and dispatches it again.
 */
export class CloudTasksScheduler implements AttemptScheduler {
  constructor(private readonly location = FUNCTIONS_REGION) {}

  async schedule(dispatches: readonly Dispatch[]): Promise<void> {
    if (dispatches.length === 0) return;
    await Promise.all(
      dispatches.map(async ({ at, ...task }) => {
        try {
          const scheduleTime = at !== undefined && at > Date.now() ? new Date(at) : undefined;
          await enqueueOnce(
            ATTEMPT_FUNCTION,
            task,
            { id: taskIdFor(task), ...(scheduleTime && { scheduleTime }) },
            this.location,
          );
        } catch (error) {
          logger.error("send attempt not enqueued; the sweep will dispatch it again", {
            vendorId: task.vendorId,
            messageId: task.messageId,
            generation: task.generation,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }
}

/** What outbound delivery needs from its host: the providers to send with, and the send-attempt queue. */
export interface OutboundDeps {
  providers: Providers;
  scheduler: AttemptScheduler;
}
