import { afterEach, describe, expect, it, vi } from "vitest";
import { logger } from "../../src/shared/logger";
import { maskPhone, maskPhonesForLog, maskPhonesIn } from "../../src/shared/phone-mask";

// Before any module loads: firebase-functions' logger keeps the console methods it finds when loaded.
const written = vi.hoisted(() => {
  const lines: string[] = [];
  for (const name of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[name].bind(console);
    console[name] = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
      if (!lines.at(-1)!.includes("message event too old")) original(...args);
    };
  }
  return lines;
});

afterEach(() => vi.restoreAllMocks());

describe("maskPhone", () => {
  it("keeps the country and operator prefix and the last two digits, hides the rest", () => {
    expect(maskPhone("+221771234567")).toBe("+22177*****67");
    expect(maskPhone("221771234567@s.whatsapp.net")).toBe("22177*****67@s.whatsapp.net");
    expect(maskPhone("+33612345678")).toBe("+3361*****78");
    expect(maskPhone("77 123 45 67")).toBe("77*****67");
    expect(maskPhone("1234567")).toBe("*****67");
  });

  it("leaves what is not a number alone", () => {
    expect(maskPhone("vendor_001")).toBe("vendor_001");
    expect(maskPhone("")).toBe("");
  });
});

describe("maskPhonesIn", () => {
  it("masks numbers inside text: E.164, URL-escaped, WhatsApp ids; keeps timestamps and amounts", () => {
    expect(maskPhonesIn("vendors/v1/conversations/+221771234567/messages/in_1")).toBe(
      "vendors/v1/conversations/+22177*****67/messages/in_1",
    );
    expect(maskPhonesIn("/api/admin/vendors/v1/conversations/%2B221771234567/messages")).toBe(
      "/api/admin/vendors/v1/conversations/%2B22177*****67/messages",
    );
    expect(maskPhonesIn("jid 221771234567@c.us refused")).toBe("jid 22177*****67@c.us refused");
    expect(maskPhonesIn("at 1765119999000, total 30000 XOF")).toBe("at 1765119999000, total 30000 XOF");
  });
});

describe("maskPhonesForLog", () => {
  it("masks phone fields whatever their form and numbers in any string, deep in objects and arrays", () => {
    const masked = maskPhonesForLog({
      vendorId: "vendor_001",
      customer: "+221771234567",
      to: 221771234568,
      nested: { from: "221771234569", list: ["+221771234560", "plain"] },
      path: "vendors/v1/conversations/+221771234561/messages/x",
      at: 1765119999000,
    });
    const text = JSON.stringify(masked);
    for (const number of ["221771234567", "221771234568", "221771234569", "221771234560", "221771234561"])
      expect(text).not.toContain(number);
    expect(masked).toMatchObject({ vendorId: "vendor_001", customer: "+22177*****67", at: 1765119999000 });
  });

  it("passes errors and other objects through unchanged", () => {
    const error = new Error("boom");
    expect(maskPhonesForLog(error)).toBe(error);
  });
});

describe("logger", () => {
  it("masks buyers' numbers before writing, and stays a plain object a test can spy on", () => {
    logger.info("message event too old", { vendorId: "v1", customer: "+221771234567", messageId: "in_1" });
    expect(written.join("\n")).not.toContain("221771234567");
    expect(written.join("\n")).toContain("+22177*****67");
    expect(Object.keys(logger).sort()).toEqual(["debug", "error", "info", "warn"]);
  });
});
