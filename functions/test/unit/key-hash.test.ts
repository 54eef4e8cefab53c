import { describe, expect, it } from "vitest";
import { KeyHasher, keyHasher } from "../../src/shared/key-hash";

describe("KeyHasher", () => {
  const secret = "s".repeat(44);

  it("names a buyer by 16 bytes of keyed hash: stable, without the number or its digits", () => {
    const hasher = new KeyHasher(secret);
    const hash = hasher.hash("+221771234567");
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(hash).toBe(new KeyHasher(secret).hash("+221771234567"));
    expect(hash).not.toContain("771234567");
    expect(hasher.hash("+221771234568")).not.toBe(hash);
  });

  it("depends on the secret: another secret, another name", () => {
    expect(new KeyHasher("t".repeat(44)).hash("+221771234567")).not.toBe(new KeyHasher(secret).hash("+221771234567"));
  });

  it("takes the first secret set, and without any still hashes (per process)", () => {
    expect(keyHasher(undefined, "", secret).hash("x")).toBe(new KeyHasher(secret).hash("x"));
    expect(keyHasher(undefined, undefined).hash("+221771234567")).not.toContain("771234567");
  });
});
