import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeIssues } from "../../src/model/common";
import { openingVerdict } from "../../src/model/opening-hours";
import { vendorConfigSchema } from "../../src/model/vendor-config";
import { engineVendor } from "../../src/replies/reply-to-inbound";
import { DEFAULT_TEMPLATES } from "../../src/engine/wording";
import { TEMPLATE_KEYS, TEMPLATE_PLACEHOLDERS, placeholdersOf } from "../../src/model/templates";

const base = { vendorId: "v1" };

function problems(extra: Record<string, unknown>): string[] {
  const parsed = vendorConfigSchema.safeParse({ ...base, ...extra });
  return parsed.success ? [] : describeIssues(parsed.error);
}

describe("vendor settings", () => {
  it("defaults: French, auto-reply on, not live, 10-minute reservations", () => {
    expect(vendorConfigSchema.parse(base)).toMatchObject({
      language: "fr",
      autoReplyEnabled: true,
      liveMode: false,
      reservationDurationMinutes: 10,
    });
  });

  it("normalizes the owner phone and refuses what is not one", () => {
    expect(vendorConfigSchema.parse({ ...base, ownerPhone: "77 123 45 67" }).ownerPhone).toBe("+221771234567");
    expect(problems({ ownerPhone: "abc" })).toEqual(['ownerPhone: "abc" is not a phone number']);
  });

  it("checks payment link templates and text overrides, naming the bad placeholder", () => {
    expect(problems({ paymentLinkTemplate: "https://pay.wave.com/m/M_sn_1?amount={amount}" })).toEqual([]);
    expect(problems({ paymentLinkTemplate: "https://pay.wave.com/m/x?amount={montant}" })[0]).toContain(
      "unknown placeholder {montant}",
    );
    expect(problems({ paymentLinkTemplate: "pay me {amount}" })).toEqual([
      "paymentLinkTemplate: must be an http(s) URL",
    ]);
    expect(problems({ templates: { welcome: "Salut {name} !" } })).toEqual([]);
    expect(problems({ templates: { welcome: "Salut {prenom} !" } })[0]).toContain(
      "templates.welcome: unknown placeholder {prenom}; this text knows {shop}, {name}",
    );
    expect(problems({ templates: { welcom: "x" } })[0]).toContain("templates");
    expect(problems({ templates: { welcome: "Salut {shop_name}" } })[0]).toContain("unknown placeholder {shop_name}");
    expect(problems({ templates: { orderReserved: "Commande {reference} : payez vite" } })).toEqual([
      "templates.orderReserved: must keep {link}",
    ]);
    expect(problems({ awayMessage: "Fermé jusqu'à {opensat}" })[0]).toContain(
      "awayMessage: unknown placeholder {opensat}; this text knows {shop}, {opensAt}",
    );
    expect(problems({ welcomeMessage: "Bienvenue chez {shop} !" })).toEqual([]);
  });

  it("checks opening hours and time zones", () => {
    expect(problems({ openingHours: { weekly: { mon: ["09:00-19:00"] } } })).toEqual([]);
    expect(problems({ openingHours: { weekly: { mon: ["19:00-09:00"] } } })).toEqual([
      "openingHours.weekly.mon.0: must close after it opens",
    ]);
    expect(problems({ openingHours: { timeZone: "Mars/Olympus", weekly: {} } })[0]).toContain("IANA time zone");
    expect(problems({ openingHours: { weekly: { lundi: ["09:00-19:00"] } } })[0]).toContain("openingHours.weekly");
    expect(problems({ openingHours: { weekly: {} } })).toEqual([
      "openingHours.weekly: must open at least once a week (leave openingHours out to stay always open)",
    ]);
  });

  it("tells open from closed in the shop's time zone, and when it opens next", () => {
    const hours = { timeZone: "America/New_York", weekly: { wed: ["09:00-17:00"], fri: ["10:00-12:00"] } };
    expect(openingVerdict(hours, new Date("2026-11-25T15:00:00Z"))).toEqual({ open: true }); // 10:00 in New York
    expect(openingVerdict(hours, new Date("2026-11-25T12:00:00Z"))).toEqual({
      open: false,
      next: { daysAhead: 0, weekday: 2, time: "09:00" },
    });
    expect(openingVerdict(hours, new Date("2026-11-25T23:00:00Z"))).toEqual({
      open: false,
      next: { daysAhead: 2, weekday: 4, time: "10:00" },
    });
  });

  it("has every text in both languages, each using only its own placeholders", () => {
    for (const language of ["fr", "en"] as const) {
      for (const key of TEMPLATE_KEYS) {
        const allowed: readonly string[] = TEMPLATE_PLACEHOLDERS[key];
        expect(
          placeholdersOf(DEFAULT_TEMPLATES[language][key]).filter((name) => !allowed.includes(name)),
          `${language}.${key}`,
        ).toEqual([]);
      }
    }
  });

  it("keeps the engine free of Firebase: nothing under src/engine imports it at run time", () => {
    const dir = join(__dirname, "../../src/engine");
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), "utf8");
      const runtimeImports = [...source.matchAll(/^import (?!type )[^;]*from "([^"]+)"/gm)].map((match) => match[1]!);
      expect(
        runtimeImports.filter((name) => /firebase|\/store\/|\/shared\/firestore/.test(name)),
        file,
      ).toEqual([]);
    }
  });
});

describe("the platform's pay page", () => {
  it("is used when a vendor has no payment link, and refused with a clear reason when unusable", () => {
    const config = vendorConfigSchema.parse(base);
    expect(engineVendor("v1", config, "https://pay.example/{reference}?amount={amount}").paymentLinkTemplate).toBe(
      "https://pay.example/{reference}?amount={amount}",
    );
    expect(() => engineVendor("v1", config, "")).toThrow(
      "the PLATFORM_PAYMENT_LINK param is not a usable payment link",
    );
    const own = vendorConfigSchema.parse({
      ...base,
      paymentLinkTemplate: "https://pay.wave.com/m/M_1?amount={amount}",
    });
    expect(engineVendor("v1", own, "").paymentLinkTemplate).toBe("https://pay.wave.com/m/M_1?amount={amount}");
  });
});
