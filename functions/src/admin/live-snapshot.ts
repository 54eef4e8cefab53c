import type { LiveAnswer } from "./console-types";
import { dakarDay, dakarDayStart } from "../orders/orders-csv";
import { sumCounters } from "../live/live-counters";
import { daysShown, liveView, productsShown } from "../live/live-view";
import { countPausedConversations, countProductAskers } from "../store/conversations";
import { readLiveCounters } from "../store/live-counters";
import { readAllProductDocs } from "../store/products";
import { waitingCount } from "../store/waitlist";

/**
 * `GET /api/admin/vendors/{vendorId}/live`: what the console's live page shows, read from counters and
 * count queries only: the catalogue, the day's counter shards (two days' while the last hour began
 * yesterday), one count per product listed (its line), one for the handoffs, one for the funnel's
 * first step. Never a whole collection of orders, messages or conversations.
 */
export async function liveSnapshot(vendorId: string, now = new Date()): Promise<LiveAnswer> {
  const days = daysShown(now);
  const today = dakarDay(now);
  const [products, counters, handoffs, askers] = await Promise.all([
    readAllProductDocs(vendorId),
    readLiveCounters(vendorId, days),
    countPausedConversations(vendorId),
    countProductAskers(vendorId, dakarDayStart(today)!),
  ]);
  const todayTotals = sumCounters(counters.filter((doc) => doc?.day === today));
  const shown = productsShown(products, todayTotals);
  const waiting = new Map(
    await Promise.all(shown.map(async ({ id }) => [id, await waitingCount(vendorId, id)] as const)),
  );
  return {
    vendorId,
    ...liveView({
      now,
      products: shown,
      today: todayTotals,
      shown: sumCounters(counters),
      waiting,
      handoffs,
      askers,
    }),
  };
}
