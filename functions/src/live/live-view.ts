import { dakarDay } from "../orders/orders-csv";
import type { LiveAnswer, LiveProductView } from "../admin/console-types";
import { minuteKey, type LiveTotals } from "./live-counters";

/** How many minutes the chart shows, the current one last. */
export const CHART_MINUTES = 60;
const MINUTE_MS = 60_000;

/** The days whose counters the view needs: today's, and yesterday's while the last hour began yesterday. */
export function daysShown(now: Date): string[] {
  const first = dakarDay(new Date(now.getTime() - (CHART_MINUTES - 1) * MINUTE_MS));
  const today = dakarDay(now);
  return first === today ? [today] : [first, today];
}

/** The products the page lists: the active ones, and any other that sold today or has buyers in line. */
export function productsShown(
  products: ReadonlyArray<{ id: string; data: Record<string, unknown> }>,
  today: LiveTotals,
): Array<{ id: string; data: Record<string, unknown> }> {
  return products.filter(({ id, data }) => {
    const sold = today.products[id];
    return data.active === true || (sold !== undefined && (sold.reserved !== 0 || sold.paid !== 0));
  });
}

/** The live page's answer, from the counters and counts read for it. */
export function liveView(input: {
  now: Date;
  products: ReadonlyArray<{ id: string; data: Record<string, unknown> }>;
  today: LiveTotals;
  /** The counters of every day shown (the chart's hour may begin yesterday). */
  shown: LiveTotals;
  waiting: ReadonlyMap<string, number>;
  handoffs: number;
  askers: number;
}): Omit<LiveAnswer, "vendorId"> {
  const { now, today, shown } = input;
  const products: LiveProductView[] = input.products
    .map(({ id, data }) => ({
      productId: id,
      keyword: typeof data.keyword === "string" ? data.keyword.toUpperCase() : null,
      name: typeof data.name === "string" ? data.name : null,
      active: data.active === true,
      price: typeof data.price === "number" ? data.price : null,
      currency: typeof data.currency === "string" ? data.currency : "XOF",
      left: typeof data.stock === "number" ? Math.max(0, data.stock) : null,
      reserved: Math.max(0, today.products[id]?.reserved ?? 0),
      paid: Math.max(0, today.products[id]?.paid ?? 0),
      waiting: input.waiting.get(id) ?? 0,
    }))
    .sort((a, b) => (a.keyword ?? "").localeCompare(b.keyword ?? ""));
  const current = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const perMinute = Array.from({ length: CHART_MINUTES }, (_, index) => {
    const at = new Date(current - (CHART_MINUTES - 1 - index) * MINUTE_MS);
    return { at: at.toISOString(), orders: shown.minutes.get(`${dakarDay(at)} ${minuteKey(at)}`) ?? 0 };
  });
  const bucket = (status: string) => ({
    count: Math.max(0, today.status[status]?.count ?? 0),
    amount: Math.max(0, today.status[status]?.amount ?? 0),
  });
  return {
    at: now.toISOString(),
    day: dakarDay(now),
    products,
    amounts: { reserved: bucket("reserved"), paid: bucket("paid") },
    perMinute,
    funnel: { keyword: input.askers, oui: Math.max(0, today.orders), paid: bucket("paid").count },
    handoffs: input.handoffs,
  };
}
