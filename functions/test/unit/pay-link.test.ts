import { describe, expect, it } from "vitest";
import { payLinkUrl } from "../../src/payments/checkout-creator";
import { parsePayLinkPath } from "../../src/payments/pay-link";

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
