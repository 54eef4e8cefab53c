import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { csvCell, dakarDayStart, orderCsvLine } from "../../src/orders/orders-csv";

describe("the orders CSV", () => {
  it("quotes commas, quotes and line breaks, and keeps accents", () => {
    expect(csvCell("Awa, Dakar")).toBe('"Awa, Dakar"');
    expect(csvCell('Robe "wax"')).toBe('"Robe ""wax"""');
    expect(csvCell("Rue 10\nPorte bleue")).toBe('"Rue 10\nPorte bleue"');
    expect(csvCell("Aïssatou Ndiaye")).toBe("Aïssatou Ndiaye");
    expect(csvCell(15000)).toBe("15000");
    expect(csvCell(undefined)).toBe("");
  });

  it("never lets a cell start a spreadsheet formula", () => {
    expect(csvCell('=HYPERLINK("http://127.0.0.9")')).toBe('"\'=HYPERLINK(""http://127.0.0.9"")"');
    expect(csvCell("+221770001122")).toBe("'+221770001122");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
  });

  it("writes one order's row with its delivery", () => {
    const line = orderCsvLine("CMD-7KQ2XA", {
      status: "paid",
      customer: "+221770001122",
      customerName: "Awa",
      items: [{ productId: "robe1", keyword: "ROBE1", name: "Robe wax", unitPrice: 15000, quantity: 2 }],
      total: 31000,
      currency: "XOF",
      createdAt: Timestamp.fromDate(new Date("2026-12-07T14:32:05.120Z")),
      paidAt: Timestamp.fromDate(new Date("2026-12-07T14:40:00Z")),
      delivery: { zone: "Dakar Plateau", fee: 1000, address: "Rue 10, porte bleue" },
    });
    expect(line).toBe(
      "CMD-7KQ2XA,paid,'+221770001122,Awa,2 × Robe wax (ROBE1),31000,XOF,2026-12-07 14:32:05,2026-12-07 14:40:00," +
        'Dakar Plateau,1000,"Rue 10, porte bleue"\r\n',
    );
  });

  it("reads Dakar dates strictly", () => {
    expect(dakarDayStart("2026-12-07")?.toISOString()).toBe("2026-12-07T00:00:00.000Z");
    for (const bad of ["2026-02-30", "2026-13-01", "07/12/2026", "2026-12-7", "", undefined, ["2026-12-07"]])
      expect(dakarDayStart(bad)).toBeUndefined();
  });
});
