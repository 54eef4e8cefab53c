/**
 * The orders export's rows (`GET …/orders.csv`): RFC 4180 CSV, for a courier's or an accountant's
 * spreadsheet. Pure: no Firestore here.
 */

/** The columns, in order; the header row is these names. */
export const ORDER_CSV_COLUMNS = [
  "reference",
  "status",
  "customer",
  "customerName",
  "items",
  "total",
  "currency",
  "createdAt",
  "paidAt",
  "zone",
  "deliveryFee",
  "address",
] as const;

/** Lines end with CRLF, as RFC 4180 and spreadsheets expect. */
export const CSV_EOL = "\r\n";

/**
 * A byte-order mark before the header: without it a spreadsheet opening the file guesses a legacy
 * encoding and shows "AÃ¯ssatou" for "Aïssatou".
 */
export const CSV_BOM = "\uFEFF";

// A cell a spreadsheet would read as a formula (OWASP "CSV injection"): =, +, -, @, tab, carriage return.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell: numbers as they are; text with a leading apostrophe when a spreadsheet would run it as a
 * formula ("+221…" included: the apostrophe also keeps a phone number text), then quoted when it holds
 * a comma, a quote or a line break (quotes doubled).
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value !== "string") return "";
  let text = value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(",") + CSV_EOL;
}

/** "2026-12-07 14:32:05", Dakar time (UTC all year, no daylight saving): what spreadsheets read as a date. */
export function csvTime(value: unknown): string {
  const date =
    value instanceof Date
      ? value
      : value !== null && typeof value === "object" && typeof (value as { toDate?: unknown }).toDate === "function"
        ? (value as { toDate(): Date }).toDate()
        : undefined;
  if (!date || Number.isNaN(date.getTime())) return "";
  return date.toISOString().slice(0, 19).replace("T", " ");
}

const textOr = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const numberOr = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

/** "2 × Robe wax (ROBE1); 1 × Sac (SAC2)": what the order holds, in one cell. */
function itemsText(items: unknown): string {
  if (!Array.isArray(items)) return "";
  return items
    .map((raw) => {
      const item = (raw ?? {}) as Record<string, unknown>;
      const keyword = textOr(item.keyword);
      return `${numberOr(item.quantity) ?? "?"} × ${textOr(item.name) ?? textOr(item.productId) ?? "?"}${keyword ? ` (${keyword})` : ""}`;
    })
    .join("; ");
}

/** One order document (as stored: anything may be missing) as its CSV line. */
export function orderCsvLine(reference: string, data: Record<string, unknown>): string {
  const delivery = (data.delivery ?? {}) as Record<string, unknown>;
  const row: Record<(typeof ORDER_CSV_COLUMNS)[number], unknown> = {
    reference,
    status: textOr(data.status),
    customer: textOr(data.customer),
    customerName: textOr(data.customerName),
    items: itemsText(data.items),
    total: numberOr(data.total),
    currency: textOr(data.currency) ?? "XOF",
    createdAt: csvTime(data.createdAt),
    paidAt: csvTime(data.paidAt),
    zone: textOr(delivery.zone),
    deliveryFee: numberOr(delivery.fee),
    address: textOr(delivery.address),
  };
  return csvLine(ORDER_CSV_COLUMNS.map((column) => row[column]));
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A Dakar calendar date "YYYY-MM-DD" as the instant it starts (Dakar is UTC all year), or undefined. */
export function dakarDayStart(text: unknown): Date | undefined {
  if (typeof text !== "string") return undefined;
  const match = DAY.exec(text);
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const start = new Date(Date.UTC(year, month - 1, day));
  // 2026-02-30 would roll over to March: not a date.
  return start.toISOString().slice(0, 10) === text ? start : undefined;
}

/** The Dakar date of an instant, "YYYY-MM-DD". */
export function dakarDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
