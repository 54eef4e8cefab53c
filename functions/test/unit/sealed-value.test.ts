import { describe, expect, it } from "vitest";
import { isSealed, ValueSealer } from "../../src/shared/sealed-value";

describe("ValueSealer", () => {
  const sealer = new ValueSealer("k".repeat(32));
  const value = {
    instances: [{ id: "waba_1", data: { wasenderApiKey: "key-secret-123", metaAppSecret: "app-secret-456" } }],
  };

  it("seals a value so that none of it shows, and opens it under the same name with the same key", () => {
    const sealed = sealer.seal("livepay:v1:vendor:v1", value);
    expect(isSealed(sealed)).toBe(true);
    const text = JSON.stringify(sealed);
    expect(text).not.toContain("key-secret-123");
    expect(text).not.toContain("app-secret-456");
    expect(text).not.toContain("wasenderApiKey");
    expect(sealer.open("livepay:v1:vendor:v1", sealed)).toEqual(value);
    // A fresh nonce each time: the same value never seals to the same text.
    expect(JSON.stringify(sealer.seal("livepay:v1:vendor:v1", value))).not.toBe(text);
  });

  it("opens nothing under another name, with another key, tampered, or in clear", () => {
    const sealed = sealer.seal("livepay:v1:vendor:v1", value);
    expect(sealer.open("livepay:v1:vendor:v2", sealed)).toBeUndefined();
    expect(new ValueSealer("j".repeat(32)).open("livepay:v1:vendor:v1", sealed)).toBeUndefined();
    const [version, iv, body] = sealed.__sealed.split(".");
    const flipped = Buffer.from(body!, "base64");
    flipped[0] = flipped[0]! ^ 1;
    expect(
      sealer.open("livepay:v1:vendor:v1", { __sealed: `${version}.${iv}.${flipped.toString("base64")}` }),
    ).toBeUndefined();
    expect(sealer.open("livepay:v1:vendor:v1", value)).toBeUndefined();
  });

  it("opens no envelope whose tag is cut short, even a tag that is right for its first bytes", () => {
    const redisKey = "livepay:v1:vendor:v1";
    const sealed = sealer.seal(redisKey, value);
    const [version, iv, body] = sealed.__sealed.split(".");
    const bytes = Buffer.from(body!, "base64");
    const withBody = (forged: Buffer) => ({ __sealed: `${version}.${iv}.${forged.toString("base64")}` });
    // The ciphertext followed by only the first 4 bytes of its genuine tag.
    expect(sealer.open(redisKey, withBody(bytes.subarray(0, bytes.length - 12)))).toBeUndefined();
    // A body shorter than a whole tag: nothing to decrypt, a tag of 4 bytes.
    expect(sealer.open(redisKey, withBody(bytes.subarray(bytes.length - 16, bytes.length - 12)))).toBeUndefined();
    expect(sealer.open(redisKey, withBody(Buffer.alloc(0)))).toBeUndefined();
  });

  it("refuses a short key", () => {
    expect(() => new ValueSealer("short")).toThrow(/at least 32/);
  });
});
