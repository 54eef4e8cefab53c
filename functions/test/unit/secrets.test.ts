import { describe, expect, it } from "vitest";
import { describeIssues } from "../../src/model/common";
import { consoleSecretSchema, MIN_SECRET_LENGTH, shortWebhookSecrets } from "../../src/model/secrets";
import { configNotices } from "../../src/model/waba-instance";

describe("consoleSecretSchema", () => {
  it("takes a secret of at least 16 characters, trimmed", () => {
    expect(MIN_SECRET_LENGTH).toBe(16);
    expect(consoleSecretSchema.parse("  0123456789abcdef  ")).toBe("0123456789abcdef");
    expect(consoleSecretSchema.optional().parse(undefined)).toBeUndefined();
  });

  it("takes an empty text (keep the stored secret), even spaces only", () => {
    expect(consoleSecretSchema.parse("")).toBe("");
    expect(consoleSecretSchema.parse("   ")).toBe("");
  });

  it("refuses a shorter secret with a message that says how long, and never echoes the value", () => {
    for (const short of ["x", "0123456789abcde", "  0123456789abcde  "]) {
      const parsed = consoleSecretSchema.safeParse(short);
      expect(parsed.success).toBe(false);
      const problems = parsed.success ? [] : describeIssues(parsed.error);
      expect(problems.join(" ")).toMatch(/at least 16 characters/);
      expect(problems.join(" ")).not.toContain(short.trim());
    }
    expect(consoleSecretSchema.safeParse("x".repeat(501)).success).toBe(false);
  });
});

describe("short webhook secrets", () => {
  const number = {
    provider: "wasender",
    phoneNumber: "+221771234567",
    wasenderApiKey: "k",
    wasenderWebhookSecret: "s",
    previousWebhookSecret: "0123456789abcdef",
  };

  it("are named in the notices, without their values", () => {
    expect(shortWebhookSecrets(number)).toEqual(["wasenderWebhookSecret"]);
    const notices = configNotices(number);
    expect(notices).toEqual([
      "wasenderWebhookSecret: shorter than 16 characters, it could be guessed; set a new one of at least 16",
    ]);
  });

  it("are not named on a field the number ignores (another provider's)", () => {
    const meta = {
      ...number,
      provider: "meta",
      metaAppSecret: "a",
      metaVerifyToken: "0123456789abcdef",
      metaPhoneNumberId: "100000000000001",
      metaAccessToken: "t",
    };
    const notices = configNotices(meta);
    expect(notices.filter((notice) => notice.includes("shorter than"))).toEqual([
      "metaAppSecret: shorter than 16 characters, it could be guessed; set a new one of at least 16",
    ]);
  });
});
