import { createHash } from "node:crypto";
import { z } from "zod";
import { logger } from "../shared/logger";

/**
 * A status that came before its message had its WhatsApp id is kept aside (`pending_statuses`), and a
 * task on this queue lands it once the message has it: the completion that gives the id reads nothing
 * for it. The queue retries the task, backing off, for about a minute; the self-healing sweep lands a
 * kept status left after that.
 */
export const KEPT_STATUS_FUNCTION = "keptStatusLanding";

export const keptStatusTaskSchema = z.object({
  vendorId: z.string().min(1),
  waMessageId: z.string().min(1),
});
export type KeptStatusTask = z.infer<typeof keptStatusTaskSchema>;

/** One task per kept WhatsApp id (a later status of the same id is landed by the same task). */
export function keptStatusTaskId(task: KeptStatusTask): string {
  return `kept-${createHash("sha256").update(`${task.vendorId}/${task.waMessageId}`).digest("hex").slice(0, 40)}`;
}

/** Asks for a kept status to be landed. A failed enqueue is logged: the sweep lands it a minute or two later. */
export async function scheduleLanding(task: KeptStatusTask): Promise<void> {
  try {
    // Loaded when first needed: the status webhooks' cold start does not load the task queue client.
    const { enqueueOnce } = require("../shared/task-queue") as typeof import("../shared/task-queue");
    await enqueueOnce(KEPT_STATUS_FUNCTION, task, { id: keptStatusTaskId(task) });
  } catch (error) {
    logger.warn("kept status landing not enqueued; the sweep will land it", {
      vendorId: task.vendorId,
      waMessageId: task.waMessageId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
