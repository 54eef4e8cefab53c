import fc from "fast-check";
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { advances, deliveryStatusSchema, toDeliveryStatus } from "../../src/model/delivery";
import { acceptedSecrets, checkWasenderInstance } from "../../src/model/waba-instance";
import { statusUpdatesOf } from "../../src/wasender/status-payloads";
import { instanceStatusFor, sessionStatusDataSchema } from "../../src/wasender/session-payloads";

describe("delivery statuses", () => {
  it("reads codes, digit strings and Baileys names", () => {
    expect([0, 1, 2, 3, 4, 5].map(toDeliveryStatus)).toEqual([
      "error",
      "pending",
      "sent",
      "delivered",
      "read",
      "played",
    ]);
    expect(toDeliveryStatus("3")).toBe("delivered");
    expect(toDeliveryStatus("SERVER_ACK")).toBe("sent");
    expect(toDeliveryStatus("delivery_ack")).toBe("delivered");
    expect(toDeliveryStatus(9)).toBeUndefined();
  });

  it("only moves forward, whatever order statuses arrive in", () => {
    const status = fc.constantFrom(...deliveryStatusSchema.options);
    fc.assert(
      fc.property(fc.array(status, { maxLength: 12 }), (arrivals) => {
        let current: (typeof arrivals)[number] | undefined;
        for (const next of arrivals) if (advances(current, next)) current = next;
        const order: string[] = ["pending", "sent", "delivered", "read", "played"];
        const best = arrivals.filter((s) => s !== "error").sort((a, b) => order.indexOf(b) - order.indexOf(a))[0];
        // Once delivered, the furthest status seen wins, whatever came after it.
        if (best && order.indexOf(best) >= order.indexOf("delivered")) expect(current).toBe(best);
      }),
    );
    expect(advances("read", "delivered")).toBe(false);
    expect(advances("delivered", "error")).toBe(false);
    expect(advances("sent", "error")).toBe(true);
    expect(advances("error", "delivered")).toBe(true);
  });

  it("parses each status event shape", () => {
    const key = { id: "W1", fromMe: true };
    expect(statusUpdatesOf("messages.update", { key, update: { status: 4 } }).updates).toEqual([
      { waMessageId: "W1", status: "read", fromMe: true },
    ]);
    expect(
      statusUpdatesOf("messages.update", [{ key, update: { status: "ERROR", reason: "blocked" } }]).updates[0],
    ).toMatchObject({ status: "error", reason: "blocked" });
    expect(
      statusUpdatesOf("message-receipt.update", { message: { key, receipt: { readTimestamp: 5 } } }).updates[0]!.status,
    ).toBe("read");
    expect(statusUpdatesOf("message.sent", { key }).updates[0]!.status).toBe("sent");
    expect(statusUpdatesOf("messages.update", { key }).invalid).toHaveLength(1);
  });
});

describe("session statuses", () => {
  it("accepts every state in any letter case and maps it to the instance status", () => {
    expect(sessionStatusDataSchema.parse({ status: "NEED_SCAN" }).status).toBe("need_scan");
    expect(instanceStatusFor("connected")).toBe("connected");
    expect(instanceStatusFor("connecting")).toBe("pending");
    expect(instanceStatusFor("logged_out")).toBe("disconnected");
    expect(sessionStatusDataSchema.safeParse({ status: "asleep" }).success).toBe(false);
  });
});

describe("secret rotation", () => {
  const raw = {
    vendorId: "v",
    phoneNumber: "+221771234567",
    provider: "wasender",
    wasenderApiKey: "k",
    wasenderWebhookSecret: "new",
  };
  const instance = (extra: Record<string, unknown>) => {
    const check = checkWasenderInstance("w", { ...raw, ...extra });
    if (!check.usable) throw new Error(check.problems.join("; "));
    return check.instance;
  };

  it("accepts the previous secret until its expiry only", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(acceptedSecrets(instance({}), now)).toEqual(["new"]);
    expect(
      acceptedSecrets(
        instance({ previousWebhookSecret: "old", previousWebhookSecretExpiresAt: "2026-11-25T13:00:00Z" }),
        now,
      ),
    ).toEqual(["new", "old"]);
    expect(
      acceptedSecrets(
        instance({ previousWebhookSecret: "old", previousWebhookSecretExpiresAt: Timestamp.fromMillis(now - 1) }),
        now,
      ),
    ).toEqual(["new"]);
  });

  it("requires an expiry with a previous secret, and refuses an instance with recorded problems", () => {
    const check = checkWasenderInstance("w", { ...raw, previousWebhookSecret: "old" });
    expect(check.usable ? [] : check.problems).toEqual([expect.stringContaining("previousWebhookSecretExpiresAt")]);
    const flagged = checkWasenderInstance("w", { ...raw, configProblems: ["phoneNumber: taken"] });
    expect(flagged).toEqual({ usable: false, id: "w", problems: ["phoneNumber: taken"], source: "onboarding" });
  });
});
