import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { afterWasenderAttempt, type Circuit, route } from "../../src/model/circuit";
import { checkInstance, configNotices, hasMetaFailover, receivesMeta } from "../../src/model/waba-instance";
import { failsOverAtOnce } from "../../src/outbound/claim";
import { newDelivery } from "../../src/outbound/delivery-state";

const settings = { threshold: 3, cooldownMs: 60_000 };
const LEASE = 60_000;
const fail = (kind: "transient" | "refused" | "message", reason = "Wasender failed: 503") => ({
  ok: false as const,
  kind,
  reason,
});

describe("the failover circuit", () => {
  it("a Wasender failure goes at once through Meta only when Meta may take the message: never after an ambiguous attempt", () => {
    const open: Circuit = { state: "open", since: 0, reason: "x", failures: 3, probeAt: 60_000 };
    const fresh = newDelivery(0, 100_000);
    const s503 = { code: "server_error", message: "Wasender failed: HTTP 503", httpStatus: 503 } as const;
    const base = { failure: s503, delivery: fresh, circuit: open, withinWindow: true, now: 10 };
    expect(failsOverAtOnce(base)).toBe(true);
    // An earlier attempt timed out (WhatsApp may have it): it stays on Wasender, at the retry policy's pace.
    expect(failsOverAtOnce({ ...base, delivery: { ...fresh, possibleDuplicate: true } })).toBe(false);
    expect(failsOverAtOnce({ ...base, failure: { code: "timeout", message: "t" } })).toBe(false);
    expect(failsOverAtOnce({ ...base, failure: { code: "connection_lost", message: "c" } })).toBe(false);
    expect(failsOverAtOnce({ ...base, failure: { code: "rejected", message: "422" } })).toBe(false);
    expect(failsOverAtOnce({ ...base, circuit: { ...open, state: "closed" } })).toBe(false);
    expect(failsOverAtOnce({ ...base, withinWindow: false })).toBe(false);
    expect(failsOverAtOnce({ ...base, now: 100_000 })).toBe(false);
    expect(failsOverAtOnce({ ...base, failure: { code: "unauthorized", message: "401" } })).toBe(true);
  });

  it("opens after the threshold of transient failures in a row, not before; a success in between starts over", () => {
    let circuit: Circuit | undefined;
    circuit = afterWasenderAttempt(circuit, fail("transient"), 1, settings);
    circuit = afterWasenderAttempt(circuit, fail("transient"), 2, settings);
    expect(circuit).toMatchObject({ state: "closed", failures: 2 });
    expect(route(circuit, undefined, 3, settings, "m", LEASE).channel).toBe("wasender");
    const reset = afterWasenderAttempt(circuit, { ok: true }, 3, settings);
    expect(reset).toMatchObject({ state: "closed", failures: 0 });
    circuit = [4, 5, 6].reduce<Circuit | undefined>(
      (c, at) => afterWasenderAttempt(c, fail("transient"), at, settings),
      reset,
    );
    expect(circuit).toMatchObject({
      state: "open",
      since: 6,
      failures: 3,
      probeAt: 60_006,
      reason: "3 Wasender failures in a row; last: Wasender failed: 503",
    });
  });

  it("while open routes to Meta; after the cooldown one message probes, the others keep to Meta; the probe's success closes it", () => {
    const open: Circuit = { state: "open", since: 0, reason: "x", failures: 3, probeAt: 60_000 };
    expect(route(open, undefined, 59_999, settings, "a", LEASE)).toEqual({ channel: "meta", probe: false });
    const probing = route(open, undefined, 60_000, settings, "a", LEASE);
    expect(probing).toMatchObject({
      channel: "wasender",
      probe: true,
      next: { state: "probing", probe: { message: "a", until: 120_000 } },
    });
    expect(route(probing.next, undefined, 60_001, settings, "b", LEASE).channel).toBe("meta");
    // The probe's own retry keeps it; a dead prober's probe lapses.
    expect(route(probing.next, undefined, 61_000, settings, "a", LEASE).channel).toBe("wasender");
    expect(route(probing.next, undefined, 120_000, settings, "b", LEASE)).toMatchObject({
      channel: "wasender",
      probe: true,
    });
    expect(afterWasenderAttempt(probing.next, { ok: true }, 61_000, settings)).toMatchObject({
      state: "closed",
      failures: 0,
    });
    expect(afterWasenderAttempt(probing.next, fail("transient", "boom"), 61_000, settings)).toMatchObject({
      state: "open",
      since: 61_000,
      probeAt: 121_000,
      reason: "the probe failed: boom",
    });
  });

  it("a session that is down opens it at once, with the session state as the reason, and never probes meanwhile", () => {
    const down = route(undefined, "need_scan", 10, settings, "m", LEASE);
    expect(down).toMatchObject({
      channel: "meta",
      next: { state: "open", reason: "the Wasender session is need_scan", since: 10 },
    });
    expect(route(down.next, "need_scan", 10_000_000, settings, "m", LEASE)).toEqual({ channel: "meta", probe: false });
    // Back up after the cooldown: the next message probes.
    expect(route(down.next, undefined, 60_010, settings, "m", LEASE)).toMatchObject({
      channel: "wasender",
      probe: true,
    });
  });

  it("Wasender refusing the session opens at once; a refused message (a bad number) proves Wasender answers", () => {
    expect(afterWasenderAttempt(undefined, fail("refused", "Unauthenticated."), 5, settings)).toMatchObject({
      state: "open",
      reason: "Wasender refuses the session: Unauthenticated.",
    });
    expect(afterWasenderAttempt(undefined, fail("message"), 5, settings)).toBeUndefined();
    const two = afterWasenderAttempt(
      afterWasenderAttempt(undefined, fail("transient"), 1, settings),
      fail("transient"),
      2,
      settings,
    );
    expect(afterWasenderAttempt(two, fail("message"), 3, settings)).toMatchObject({ state: "closed", failures: 0 });
  });

  it("property: whatever happens, at most one message holds the probe, and an open circuit sends nothing to Wasender before its probe time", () => {
    const event = fc.oneof(
      fc.record({ type: fc.constant("route" as const), message: fc.constantFrom("a", "b", "c"), down: fc.boolean() }),
      fc.record({
        type: fc.constant("outcome" as const),
        kind: fc.constantFrom("ok", "transient", "refused", "message"),
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(event, fc.integer({ min: 0, max: 30_000 })), { maxLength: 60 }), (events) => {
        let circuit: Circuit | undefined;
        let now = 0;
        for (const [e, step] of events) {
          now += step;
          if (e.type === "route") {
            const decided = route(circuit, e.down ? "need_scan" : undefined, now, settings, e.message, LEASE);
            if (circuit?.state === "open" && decided.channel === "wasender")
              expect(now).toBeGreaterThanOrEqual(circuit.probeAt ?? 0);
            if (
              circuit?.state === "probing" &&
              circuit.probe &&
              circuit.probe.until > now &&
              decided.channel === "wasender"
            )
              expect(circuit.probe.message).toBe(e.message);
            if (e.down) expect(decided.channel).toBe("meta");
            circuit = decided.next ?? circuit;
          } else {
            const outcome = e.kind === "ok" ? { ok: true as const } : fail(e.kind);
            circuit = afterWasenderAttempt(circuit, outcome, now, settings) ?? circuit;
          }
        }
      }),
    );
  });
});

describe("Meta fields of waba_instances", () => {
  const wasender = {
    vendorId: "v",
    phoneNumber: "+221771234567",
    provider: "wasender",
    wasenderApiKey: "k",
    wasenderWebhookSecret: "s",
  };
  const meta = { metaPhoneNumberId: "100000000000001", metaAccessToken: "t", metaAppSecret: "a", metaVerifyToken: "v" };

  it("a failover needs the two sending fields; with them it fails over, with all four it also receives", () => {
    const missing = checkInstance("w", { ...wasender, failoverProvider: "meta" });
    expect(missing.usable ? [] : missing.problems).toEqual([
      'metaPhoneNumberId: is required with failoverProvider "meta"',
      'metaAccessToken: is required with failoverProvider "meta"',
    ]);
    const sending = checkInstance("w", {
      ...wasender,
      failoverProvider: "meta",
      metaPhoneNumberId: "123456",
      metaAccessToken: "t",
    });
    expect(sending.usable && hasMetaFailover(sending.instance) && !receivesMeta(sending.instance)).toBe(true);
    const unknown = checkInstance("w", { ...wasender, failoverProvider: "sms" });
    expect(unknown.usable ? [] : unknown.problems).toEqual([
      'failoverProvider: must be "meta" or "unipile" (the failover providers this backend has) or null',
    ]);
    const unipile = checkInstance("w", { ...wasender, failoverProvider: "unipile" });
    expect(unipile.usable ? [] : unipile.problems).toEqual([
      'unipileAccountId: is required with failoverProvider "unipile"',
      'unipileApiKey: is required with failoverProvider "unipile"',
      'unipileApiUrl: is required with failoverProvider "unipile"',
    ]);
  });

  it("a Meta-only number needs all four Meta fields; Wasender fields left by a switch are ignored", () => {
    const ok = checkInstance("m", { vendorId: "v", phoneNumber: "+221771234567", provider: "meta", ...meta });
    expect(
      ok.usable && ok.instance.provider === "meta" && receivesMeta(ok.instance) && !hasMetaFailover(ok.instance),
    ).toBe(true);
    const bad = checkInstance("m", { ...wasender, provider: "meta", metaPhoneNumberId: "12", metaAccessToken: "t" });
    expect(bad.usable ? [] : bad.problems).toEqual(
      expect.arrayContaining([
        "metaPhoneNumberId: must be Meta's numeric phone number id",
        'metaAppSecret: is required for a Meta number (provider "meta")',
      ]),
    );
    expect(bad.usable ? [] : bad.problems.filter((problem) => problem.startsWith("wasender"))).toEqual([]);
    const switched = checkInstance("m", { ...wasender, provider: "meta", ...meta });
    expect(
      switched.usable && switched.instance.provider === "meta" && switched.instance.wasenderApiKey === undefined,
    ).toBe(true);
    expect(configNotices({ ...wasender, provider: "meta", ...meta })).toContain(
      'wasenderApiKey: ignored on a meta number (provider "meta"); kept for a switch back, remove it when the switch is final',
    );
  });
});
