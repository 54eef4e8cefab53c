import type { OrderDeps } from "./order-lifecycle";
import { expireDueReservations } from "./order-lifecycle";
import { reconcileCheckouts } from "../payments/reconcile";
import { logger } from "../shared/logger";
import { serveWaitingLines } from "./waitlist-serving";

/**
 * The reservations' scheduled job, whoever runs it (the schedule, or the admin API's job that `npm start`
 * calls since the emulator never fires schedules): checkouts without a callback are checked with their
 * provider first, so a lost callback still pays; then unpaid reservations past their time go back on
 * sale (to the first buyers in line, when a product has one) and their buyers are told.
 */
export async function sweepReservations(
  now: Date,
  deps: OrderDeps,
): Promise<{ reconciled: Record<string, number>; expired: number }> {
  // A provider or query failure must not hold the expiry.
  const reconciled = await reconcileCheckouts(now, deps).catch((error: unknown) => {
    logger.error("checkouts not reconciled", { error: String(error) });
    return {};
  });
  const expired = await expireDueReservations(now, deps);
  // Lines whose units came back without a trigger telling (a failed run) are served here at the latest.
  await serveWaitingLines(deps, now).catch((error: unknown) => {
    logger.error("waiting lines not served", { error: String(error) });
  });
  return { reconciled, expired };
}
