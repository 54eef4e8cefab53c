import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { instanceView, orderTotals, orderView, SECRET_FIELDS } from "../../src/admin/console-views";

describe("the console's views", () => {
  it("never carries a credential of a number, only whether it is set", () => {
    const stored: Record<string, unknown> = {
      vendorId: "vendor_001",
      phoneNumber: "+221701111111",
      provider: "wasender",
      wasenderInstanceId: "session-1",
      configProblems: ["wasenderWebhookSecret: is required"],
      lastSync: Timestamp.fromMillis(0),
      webhookRegistration: {
        url: "https://x.test/api/webhooks/wasender/vendor_001",
        events: ["a"],
        registeredAt: Timestamp.fromMillis(0),
      },
    };
    for (const [index, name] of SECRET_FIELDS.entries()) if (index % 2 === 0) stored[name] = `value-of-${name}`;
    const view = instanceView("waba_1", stored);
    const json = JSON.stringify(view);
    for (const name of SECRET_FIELDS) expect(json).not.toContain(`value-of-${name}`);
    expect(view.secretsSet).toEqual(Object.fromEntries(SECRET_FIELDS.map((name, index) => [name, index % 2 === 0])));
    expect(view).toMatchObject({
      wabaInstanceId: "waba_1",
      phoneNumber: "+221701111111",
      configProblems: ["wasenderWebhookSecret: is required"],
    });
    expect(view.webhookRegistration).toEqual({
      url: "https://x.test/api/webhooks/wasender/vendor_001",
      registeredAt: "1970-01-01T00:00:00.000Z",
    });
  });

  it("totals the day's orders per status, flagged ones counted apart as well", () => {
    const orders = [
      orderView("CMD-AAAAAA", { status: "paid", total: 30000, items: [] }),
      orderView("CMD-BBBBBB", {
        status: "paid",
        total: 5000,
        attention: "paid after the reservation ended",
        items: [],
      }),
      orderView("CMD-CCCCCC", { status: "reserved", total: 1000, items: [] }),
      orderView("CMD-DDDDDD", { status: "cancelled", total: 700, items: [] }),
    ];
    const totals = orderTotals(orders);
    expect(totals.paid).toEqual({ count: 2, amount: 35000 });
    expect(totals.flagged).toEqual({ count: 1, amount: 5000 });
    expect(totals.reserved).toEqual({ count: 1, amount: 1000 });
    expect(totals.expired).toEqual({ count: 0, amount: 0 });
    expect(totals.cancelled).toEqual({ count: 1, amount: 700 });
  });
});
