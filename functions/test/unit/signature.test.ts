import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constantTimeEquals, hmacSha256Hex } from "../../src/shared/crypto";
import { verifySignature } from "../../src/wasender/signature";

const body = Buffer.from('{"event":"messages.received","data":{}}');

describe("verifySignature", () => {
  it("accepts Wasender's secret header and the HMAC header under `any`", () => {
    expect(verifySignature("any", "s", body, { secretHeader: "s" })).toBe("valid");
    expect(verifySignature("any", "s", body, { hmacHeader: hmacSha256Hex("s", body) })).toBe("valid");
    expect(verifySignature("any", "s", body, { hmacHeader: `sha256=${hmacSha256Hex("s", body).toUpperCase()}` })).toBe(
      "valid",
    );
  });

  it("says missing when no accepted header is present, invalid when one is wrong", () => {
    expect(verifySignature("any", "s", body, {})).toBe("missing");
    expect(verifySignature("any", "s", body, { secretHeader: "nope" })).toBe("invalid");
    expect(verifySignature("any", "s", body, { hmacHeader: "00" })).toBe("invalid");
  });

  it("honours a pinned scheme: the other header counts as absent", () => {
    expect(verifySignature("hmac", "s", body, { secretHeader: "s" })).toBe("missing");
    expect(verifySignature("secret", "s", body, { hmacHeader: hmacSha256Hex("s", body) })).toBe("missing");
    expect(verifySignature("secret", "s", body, { secretHeader: "s" })).toBe("valid");
  });

  it("computes the HMAC over the raw bytes, so any change to them fails", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.string({ minLength: 1 }),
        fc.nat(),
        (bytes, secret, at) => {
          const raw = Buffer.from(bytes);
          const signature = hmacSha256Hex(secret, raw);
          expect(verifySignature("hmac", secret, raw, { hmacHeader: signature })).toBe("valid");
          const altered = Buffer.from(raw);
          altered[at % altered.length] = (altered[at % altered.length]! + 1) % 256;
          expect(verifySignature("hmac", secret, altered, { hmacHeader: signature })).toBe("invalid");
        },
      ),
    );
  });
});

describe("constantTimeEquals", () => {
  it("compares strings of any length", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(constantTimeEquals(a, b)).toBe(a === b);
      }),
    );
  });
});
