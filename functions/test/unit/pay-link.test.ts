import { describe, expect, it } from "vitest";
import { payLinkUrl } from "../../src/payments/checkout-creator";
import { isProviderCheckoutUrl } from "../../src/payments/checkout-url";
import { parsePayLinkPath } from "../../src/payments/pay-link";
import { clientAddress, PayLinkLimiter } from "../../src/payments/pay-link-limiter";
import { providerNamed } from "../../src/payments/providers";

describe("the pay link's path", () => {
  it("reads /pay/{vendorId}/{reference} through Hosting or on the function's own URL", () => {
    expect(parsePayLinkPath("/pay/vendor_001/CMD-DKW6KL")).toEqual({
      ok: true,
      vendorId: "vendor_001",
      reference: "CMD-DKW6KL",
    });
    expect(parsePayLinkPath("/vendor_001/CMD-DKW6KL")).toEqual({
      ok: true,
      vendorId: "vendor_001",
      reference: "CMD-DKW6KL",
    });
  });

  it("is made by payLinkUrl and read back the same", () => {
    const url = new URL(payLinkUrl("https://livepay.tech/", "vendor_001", "CMD-DKW6KL"));
    expect(url.href).toBe("https://livepay.tech/pay/vendor_001/CMD-DKW6KL");
    expect(parsePayLinkPath(url.pathname)).toMatchObject({ ok: true, vendorId: "vendor_001" });
  });

  it.each([
    "/pay",
    "/pay/vendor_001",
    "/pay/vendor_001/CMD-DKW6KL/extra",
    "/pay/vendor_001/cmd-dkw6kl",
    "/pay/vendor_001/CMD-0OI1AB",
    "/pay/%E0%A4%A/CMD-DKW6KL",
    "/pay/..%2F..%2Fpayment_accounts/CMD-DKW6KL",
    "/pay/a%2Fb/CMD-DKW6KL",
  ])("refuses %s", (path) => {
    expect(parsePayLinkPath(path)).toEqual({ ok: false });
  });
});

describe("a provider's checkout URL", () => {
  const wave = ["wave.com"];
  it.each(["https://pay.wave.com/c/cos-1", "https://wave.com/x", "https://PAY.WAVE.COM/c/1?a=b"])(
    "accepts %s",
    (url) => {
      expect(isProviderCheckoutUrl(url, wave)).toBe(true);
    },
  );

  it.each([
    "http://pay.wave.com/c/cos-1",
    "https://pay.wave.com.attacker.example/c/1",
    "https://attackerwave.com/c/1",
    "https://user:pass@pay.wave.com/c/1",
    "https://pay.wave.com:8443/c/1",
    "maxit://qr/om-1",
    "javascript:alert(1)",
    "//pay.wave.com/c/1",
    "not a url",
  ])("refuses %s", (url) => {
    expect(isProviderCheckoutUrl(url, wave)).toBe(false);
  });

  it("has one host list per provider", () => {
    expect(providerNamed("wave").checkoutHosts).toEqual(["wave.com"]);
    expect(providerNamed("paydunya").checkoutHosts).toEqual(["paydunya.com"]);
    expect(providerNamed("orange_money").checkoutHosts).toEqual(["orange-sonatel.com"]);
  });
});

describe("the pay link's limits without Redis", () => {
  it("counts per client address (hashed) and per vendor in memory, with a Retry-After", async () => {
    const limiter = new PayLinkLimiter(undefined, "key", { perClientPerMinute: 2, perVendorPerMinute: 3 });
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push(await limiter.check("198.51.100.7", "v1"));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false]);
    expect(verdicts[2]).toMatchObject({ allowed: false, scope: "client" });
    expect((verdicts[2] as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another client reaches the vendor's own limit (3 counted: two of the first client, this one).
    expect(await limiter.check("198.51.100.8", "v1")).toEqual({ allowed: true });
    expect(await limiter.check("198.51.100.9", "v1")).toMatchObject({ allowed: false, scope: "vendor" });
    expect(await limiter.check("198.51.100.9", "v2")).toEqual({ allowed: true });
  });

  it("takes the client from fastly-client-ip, else the first x-forwarded-for entry", () => {
    const request = (headers: Record<string, string>) => ({ method: "GET", path: "/", headers, rawBody: undefined });
    expect(clientAddress(request({ "fastly-client-ip": "198.51.100.1", "x-forwarded-for": "203.0.113.9" }))).toBe(
      "198.51.100.1",
    );
    expect(clientAddress(request({ "x-forwarded-for": "203.0.113.9, 10.0.0.1" }))).toBe("203.0.113.9");
    expect(clientAddress(request({}))).toBe("unknown");
  });
});
