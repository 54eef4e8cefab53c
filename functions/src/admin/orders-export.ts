import { errorResponse, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { CSV_BOM, csvLine, dakarDay, dakarDayStart, ORDER_CSV_COLUMNS, orderCsvLine } from "../orders/orders-csv";
import { logger } from "../shared/logger";
import { ordersCreatedBetween } from "../store/orders";

const DAY_MS = 24 * 60 * 60_000;

/** A query parameter as one text (a repeated one is refused: which would count?). */
function param(request: WebhookRequest, name: string): string | undefined {
  const value = request.query?.[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * `GET /api/admin/vendors/{vendorId}/orders.csv?from=YYYY-MM-DD&to=YYYY-MM-DD` (the caller already
 * authorized for the vendor): the orders created on those Dakar dates, both included, oldest first, as
 * CSV streamed a page of orders at a time.
 */
export function ordersExport(vendorId: string, request: WebhookRequest): WebhookResponse {
  const fromText = param(request, "from");
  const toText = param(request, "to");
  const from = dakarDayStart(fromText);
  const toDay = dakarDayStart(toText);
  if (!from || !toDay) {
    const bad = [!from && `from=${fromText ?? "(missing)"}`, !toDay && `to=${toText ?? "(missing)"}`].filter(Boolean);
    return errorResponse(400, "invalid_date", `Give from and to as Dakar dates, YYYY-MM-DD: ${bad.join(", ")}.`);
  }
  if (from.getTime() > toDay.getTime())
    return errorResponse(400, "invalid_range", `from (${fromText}) is after to (${toText}).`);
  const to = new Date(toDay.getTime() + DAY_MS);
  const filename = `orders-${vendorId}-${dakarDay(from)}-${dakarDay(toDay)}.csv`.replace(/[^\w.-]/g, "_");
  return {
    status: 200,
    body: {},
    headers: { "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" },
    stream: {
      contentType: "text/csv; charset=utf-8",
      async write(send) {
        await send(CSV_BOM + csvLine(ORDER_CSV_COLUMNS));
        let rows = 0;
        for await (const page of ordersCreatedBetween(vendorId, from, to)) {
          await send(page.map(({ reference, data }) => orderCsvLine(reference, data)).join(""));
          rows += page.length;
        }
        logger.info("orders exported", { vendorId, from: fromText, to: toText, rows });
      },
    },
  };
}
