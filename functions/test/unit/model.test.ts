import { describe, expect, it } from "vitest";
import { checkWasenderInstance } from "../../src/model/waba-instance";
import { vendorConfigSchema } from "../../src/model/vendor-config";
import { digitsToE164, toE164 } from "../../src/shared/phone";
import { parseVendorPath } from "../../src/webhooks/vendor-path";

const instance = {
  vendorId: "vendor_001",
  phoneNumber: "+221701111111",
  provider: "wasender",
  wasenderApiKey: "k",
  wasenderWebhookSecret: "s",
};

describe("waba_instances validation", () => {
  it("accepts the design document's example and fills defaults", () => {
    const check = checkWasenderInstance("waba_vendor_001", { ...instance, createdAt: "2026-02-22T10:00:00Z" });
    expect(check).toMatchObject({
      usable: true,
      instance: { id: "waba_vendor_001", webhookSignatureScheme: "any", status: "pending" },
    });
  });

  it("names every problem, one line each, and never uses a half-valid document", () => {
    const check = checkWasenderInstance("w", {
      ...instance,
      phoneNumber: "77 123",
      wasenderWebhookSecret: undefined,
      provider: "meta",
    });
    expect(check.usable).toBe(false);
    if (check.usable) return;
    expect(check.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^phoneNumber: must be an E\.164/),
        "wasenderWebhookSecret: is required for a Wasender instance",
        'provider: must be "wasender" for a Wasender number',
      ]),
    );
  });
});

describe("runtime fields left on an instance from before waba_runtime", () => {
  it("are ignored: the instance never carries a stale session state, delivery problem or provider error", () => {
    const legacy = {
      ...instance,
      status: "disconnected",
      sessionStatus: "need_scan",
      deliveryProblem: { code: "unauthorized", message: "Unauthenticated." },
      providerErrors: { wasender: { code: "server_error", message: "503" } },
      circuit: { state: "open" },
    };
    const check = checkWasenderInstance("w", legacy);
    expect(check.usable).toBe(true);
    if (!check.usable) return;
    expect(check.instance.status).toBe("disconnected");
    expect(check.instance.sessionStatus).toBeUndefined();
    expect(check.instance.deliveryProblem).toBeUndefined();
    expect(check.instance.providerErrors).toBeUndefined();
  });
});

describe("vendor_configs validation", () => {
  it("defaults to French with auto-reply on", () => {
    expect(vendorConfigSchema.parse({ vendorId: "v" })).toMatchObject({ language: "fr", autoReplyEnabled: true });
    expect(vendorConfigSchema.safeParse({ vendorId: "v", language: "wo" }).success).toBe(false);
  });
});

describe("phone numbers", () => {
  it("normalizes what operators type to E.164", () => {
    expect(toE164("77 123 45 67")).toBe("+221771234567");
    expect(toE164("00221 77 123 45 67")).toBe("+221771234567");
    expect(toE164("+221 77-123-45-67")).toBe("+221771234567");
    expect(toE164("12")).toBeUndefined();
  });

  it("reads Wasender's bare digits without guessing a country", () => {
    expect(digitsToE164("221771234567")).toBe("+221771234567");
    expect(digitsToE164("33612345678")).toBe("+33612345678");
    expect(digitsToE164("0771234567")).toBeUndefined();
  });
});

describe("webhook URL paths", () => {
  it("reads the vendor id from the Hosting path and from the function's own path", () => {
    expect(parseVendorPath("/api/webhooks/wasender/vendor_001")).toEqual({
      ok: true,
      vendorId: "vendor_001",
      subpath: "",
    });
    expect(parseVendorPath("/vendor_001")).toEqual({ ok: true, vendorId: "vendor_001", subpath: "" });
    expect(parseVendorPath("/vendor_001/status")).toEqual({ ok: true, vendorId: "vendor_001", subpath: "status" });
  });

  it("refuses a missing or malformed vendor id and unknown sub-paths", () => {
    expect(parseVendorPath("/").ok).toBe(false);
    expect(parseVendorPath("/api/webhooks/wasender/").ok).toBe(false);
    expect(parseVendorPath("/vendor_001/other").ok).toBe(false);
    expect(parseVendorPath("/..%2Fwaba_instances").ok).toBe(false);
  });
});
