import { getFunctions } from "firebase-admin/functions";
import { FUNCTIONS_REGION } from "../config/region";

/**
 * Enqueues one task on a task queue function's queue (Cloud Tasks; the Functions emulator's own queue
 * locally) under its id. The queue refuses an id it has seen, which makes a repeated enqueue a no-op:
 * answers false then. Any other error is thrown for the caller to log (each has its own safety net).
 */
export async function enqueueOnce(
  functionName: string,
  data: Record<string, unknown>,
  options: { id: string; scheduleTime?: Date },
  location = FUNCTIONS_REGION,
): Promise<boolean> {
  const queue = getFunctions().taskQueue(`locations/${location}/functions/${functionName}`);
  try {
    await queue.enqueue(data, options);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "functions/task-already-exists") return false;
    throw error;
  }
}
