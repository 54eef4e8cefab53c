import { Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { ordersCreatedBetween } from "../../src/store/orders";
import { adminDb, createVendor, HOSTING_URL, idTokenWithClaims, type TestVendor } from "../support/emulators";

// GET /api/admin/vendors/{vendorId}/orders.csv through Hosting, against orders written in the emulator.
const db = adminDb();
let shop: TestVendor;
let rival: TestVendor;

const at = (iso: string) => Timestamp.fromDate(new Date(iso));

/** An order as the engine stores it; paid ones are already thanked (the lifecycle trigger sends nothing). */
function order(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    customer: "+221770001122",
    wabaInstanceId: "waba_x",
    items: [{ productId: "robe1", keyword: "ROBE1", name: "Robe wax", unitPrice: 15000, quantity: 1 }],
    total: 15000,
    currency: "XOF",
    status: "reserved",
    stockHeld: false,
    paymentLink: "https://pay.example/x",
    createdAt: at("2026-03-10T12:00:00Z"),
    expiresAt: at("2026-03-10T12:30:00Z"),
    notices: { paid: "order_x_paid" },
    ...overrides,
  };
}

async function writeOrders(vendorId: string, orders: Record<string, Record<string, unknown>>) {
  const batch = db.batch();
  for (const [reference, data] of Object.entries(orders))
    batch.set(db.collection("vendors").doc(vendorId).collection("orders").doc(reference), data);
  await batch.commit();
}

async function exportCsv(vendorId: string, query: string, token?: string) {
  const response = await fetch(`${HOSTING_URL}/api/admin/vendors/${vendorId}/orders.csv?${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  // Read as bytes: a text decoder would drop the byte-order mark the file starts with.
  return { response, text: Buffer.from(await response.arrayBuffer()).toString("utf8") };
}

/** RFC 4180, as a spreadsheet reads it: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell !== "" || row.length > 0)
    throw new Error(`the CSV does not end with CRLF: ${JSON.stringify(text.slice(-40))}`);
  return rows;
}

beforeAll(async () => {
  shop = await createVendor(db);
  rival = await createVendor(db);
  await writeOrders(shop.vendorId, {
    // The day before the range, the first and last instants of the range, the day after.
    "CMD-22222A": order({ createdAt: at("2026-03-09T23:59:59Z") }),
    "CMD-22222B": order({
      createdAt: at("2026-03-10T00:00:00Z"),
      status: "paid",
      paidAt: at("2026-03-10T00:05:00Z"),
      customerName: 'Aïssatou "Awa" Ndiaye, Médina',
      total: 31000,
      delivery: { zone: "Dakar Plateau", fee: 1000, address: "Rue 10 x Rue 7,\nporte bleue" },
    }),
    "CMD-22222C": order({ createdAt: at("2026-03-11T08:00:00Z"), customerName: '=HYPERLINK("x")', status: "expired" }),
    "CMD-22222D": order({ createdAt: at("2026-03-12T23:59:59Z"), customerName: "@Moussa", status: "cancelled" }),
    "CMD-22222E": order({ createdAt: at("2026-03-13T00:00:00Z") }),
  });
  await writeOrders(rival.vendorId, { "CMD-33333A": order({ createdAt: at("2026-03-11T09:00:00Z") }) });
});

describe("the orders export", () => {
  it("gives one row per order of the Dakar dates, both included, quoted as a spreadsheet reads it", async () => {
    const token = await idTokenWithClaims({ vendorId: shop.vendorId });
    const { response, text } = await exportCsv(shop.vendorId, "from=2026-03-10&to=2026-03-12", token);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toContain(".csv");
    expect(text.startsWith("\uFEFF")).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual(
      expect.arrayContaining([
        "reference",
        "status",
        "customer",
        "total",
        "currency",
        "createdAt",
        "paidAt",
        "zone",
        "address",
      ]),
    );
    const column = (name: string) => header!.indexOf(name);
    expect(rows.map((row) => row[column("reference")])).toEqual(["CMD-22222B", "CMD-22222C", "CMD-22222D"]);
    const paid = rows[0]!;
    expect(paid[column("status")]).toBe("paid");
    expect(paid[column("customer")]).toBe("'+221770001122");
    expect(paid[column("customerName")]).toBe('Aïssatou "Awa" Ndiaye, Médina');
    expect(paid[column("total")]).toBe("31000");
    expect(paid[column("currency")]).toBe("XOF");
    expect(paid[column("createdAt")]).toBe("2026-03-10 00:00:00");
    expect(paid[column("paidAt")]).toBe("2026-03-10 00:05:00");
    expect(paid[column("zone")]).toBe("Dakar Plateau");
    expect(paid[column("address")]).toBe("Rue 10 x Rue 7,\nporte bleue");
    // Formulas stay text; an order without delivery has empty delivery cells.
    expect(rows[1]![column("customerName")]).toBe('\'=HYPERLINK("x")');
    expect(rows[2]![column("customerName")]).toBe("'@Moussa");
    expect(rows[1]![column("zone")]).toBe("");
    expect(rows[1]![column("paidAt")]).toBe("");
    expect(rows.every((row) => row.length === header!.length)).toBe(true);
  });

  it("keeps each vendor's orders to its staff", async () => {
    const rivalStaff = await idTokenWithClaims({ vendorId: rival.vendorId });
    const refused = await exportCsv(shop.vendorId, "from=2026-03-01&to=2026-03-31", rivalStaff);
    expect(refused.response.status).toBe(403);
    expect(JSON.parse(refused.text).error.code).toBe("forbidden");
    expect((await exportCsv(shop.vendorId, "from=2026-03-01&to=2026-03-31")).response.status).toBe(401);
    const own = await exportCsv(rival.vendorId, "from=2026-03-01&to=2026-03-31", rivalStaff);
    expect(own.text).toContain("CMD-33333A");
    expect(own.text).not.toContain("CMD-2222");
    // An operator sees any vendor's, and is told when the vendor does not exist.
    const operator = await idTokenWithClaims({ admin: true });
    expect((await exportCsv(shop.vendorId, "from=2026-03-01&to=2026-03-31", operator)).text).toContain("CMD-22222E");
    const unknown = await exportCsv("vendor_nobody_here", "from=2026-03-01&to=2026-03-31", operator);
    expect(unknown.response.status).toBe(404);
  });

  it("refuses dates that are not Dakar calendar dates, or a range that ends before it starts", async () => {
    const token = await idTokenWithClaims({ vendorId: shop.vendorId });
    for (const query of ["from=2026-03-10", "from=10/03/2026&to=2026-03-12", "from=2026-02-30&to=2026-03-01", ""]) {
      const { response, text } = await exportCsv(shop.vendorId, query, token);
      expect(response.status, query).toBe(400);
      expect(JSON.parse(text).error.code, query).toBe("invalid_date");
    }
    const backwards = await exportCsv(shop.vendorId, "from=2026-03-12&to=2026-03-10", token);
    expect(backwards.response.status).toBe(400);
    expect(JSON.parse(backwards.text).error.code).toBe("invalid_range");
  });

  it("reads a range a page at a time, each order once, in order", async () => {
    const pages: string[][] = [];
    for await (const page of ordersCreatedBetween(
      shop.vendorId,
      new Date("2026-03-09T00:00:00Z"),
      new Date("2026-03-14T00:00:00Z"),
      2,
    ))
      pages.push(page.map(({ reference }) => reference));
    expect(pages).toEqual([["CMD-22222A", "CMD-22222B"], ["CMD-22222C", "CMD-22222D"], ["CMD-22222E"]]);
  });
});
