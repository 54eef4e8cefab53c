import { describe, expect, it } from "vitest";
import {
  AllowedHosts,
  DEFAULT_PROVIDER_API_HOSTS,
  staffUrlProblem,
  storedUrlProblem,
} from "../../src/model/provider-urls";
import { ProviderRegistry } from "../../src/providers/registry";
import type { WasenderInstance } from "../../src/model/waba-instance";

const allowed = new AllowedHosts(DEFAULT_PROVIDER_API_HOSTS);

describe("where a vendor's staff may point a provider API URL", () => {
  it("allows https on the listed hosts, one label under a wildcard", () => {
    for (const url of [
      "https://www.wasenderapi.com/api",
      "https://graph.facebook.com/v25.0",
      "https://api1.unipile.com:13111/api/v1",
      "https://API8.Unipile.com/api/v1",
    ])
      expect(staffUrlProblem(url, allowed), url).toBeUndefined();
  });

  it("refuses other schemes, hosts, look-alikes, credentials and non-URLs", () => {
    for (const url of [
      "http://www.wasenderapi.com/api",
      "https://wasenderapi.com/api",
      "https://www.wasenderapi.com.127.0.0.9.example/api",
      "https://unipile.com/api/v1",
      "https://a.b.unipile.com/api/v1",
      "https://evilunipile.com/api/v1",
      "https://api1.unipile.com@127.0.0.9/api",
      "https://user:pw@graph.facebook.com/v25.0",
      "https://127.0.0.9/api",
      "https://[::1]/api",
      "javascript:alert(1)",
      "not a url",
      "",
    ])
      expect(staffUrlProblem(url, allowed), url).toBeDefined();
  });

  it("checks a stored URL only while it is still the one staff set", () => {
    const staffSet = {
      wasenderApiUrl: "http://127.0.0.9/api",
      staffProviderUrls: { wasenderApiUrl: "http://127.0.0.9/api" },
    };
    expect(storedUrlProblem(staffSet, "wasenderApiUrl", allowed)).toContain("was set by the vendor's staff");
    // An operator changed it since: trusted whatever it is.
    const operatorSet = { ...staffSet, wasenderApiUrl: "http://127.0.0.1:3900/api" };
    expect(storedUrlProblem(operatorSet, "wasenderApiUrl", allowed)).toBeUndefined();
    // Narrowing the allow-list refuses what staff set earlier.
    const unipile = {
      unipileApiUrl: "https://api1.unipile.com/api/v1",
      staffProviderUrls: { unipileApiUrl: "https://api1.unipile.com/api/v1" },
    };
    expect(storedUrlProblem(unipile, "unipileApiUrl", allowed)).toBeUndefined();
    expect(storedUrlProblem(unipile, "unipileApiUrl", new AllowedHosts("www.wasenderapi.com"))).toBeDefined();
  });
});

describe("the provider registry never calls a refused URL", () => {
  const number = {
    id: "waba_x",
    vendorId: "vendor_x",
    phoneNumber: "+221771234567",
    provider: "wasender",
    wasenderApiKey: "key-1234567890abcdef",
    wasenderWebhookSecret: "secret-1234567890abcdef",
    wasenderInstanceId: "session-x",
    wasenderAccessToken: "pat-1234567890abcdef",
    wasenderApiUrl: "http://127.0.0.9/api",
    metaPhoneNumberId: "100000000000001",
    metaAccessToken: "meta-token",
    metaApiUrl: "https://127.0.0.9/v25.0",
    unipileAccountId: "acc_x",
    unipileApiKey: "unipile-key",
    unipileApiUrl: "https://127.0.0.9/api/v1",
    staffProviderUrls: {
      wasenderApiUrl: "http://127.0.0.9/api",
      metaApiUrl: "https://127.0.0.9/v25.0",
      unipileApiUrl: "https://127.0.0.9/api/v1",
    },
  } as unknown as WasenderInstance;

  it("answers not_configured on every channel and the session calls, before any request", async () => {
    const registry = new ProviderRegistry(() => "https://www.wasenderapi.com/api");
    for (const channel of ["wasender", "meta", "unipile"] as const) {
      const provider = registry.forInstance(number, channel)!;
      const result = await provider.send("+221770000000", { text: "x" });
      expect(result, channel).toEqual({
        ok: false,
        failure: expect.objectContaining({ code: "not_configured", message: expect.stringContaining("staff") }),
      });
    }
    const session = registry.wasenderSession(number);
    expect((await session.sessionStatus()).ok).toBe(false);
    expect((await session.updateSession({})).ok).toBe(false);
  });

  it("calls a URL an operator set, whatever its host", () => {
    const registry = new ProviderRegistry(() => "https://www.wasenderapi.com/api");
    const operatorSet = { ...number, staffProviderUrls: undefined } as unknown as WasenderInstance;
    expect(registry.forInstance(operatorSet, "wasender")?.constructor.name).toBe("VendorWasenderService");
  });
});
