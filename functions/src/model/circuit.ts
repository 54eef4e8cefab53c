import { z } from "zod";

/**
 * The failover circuit of one Wasender number with a Meta failover (pure; times in epoch ms; the
 * store keeps it on the instance document as `circuit`, where every function instance reads it in the
 * send's transaction). README, "Meta failover":
 *
 *   closed ──N transient failures in a row, or the session down──▶ open (replies go through Meta)
 *   open ──cooldown over, session up──▶ probing (one message tries Wasender, the others keep to Meta)
 *   probing ──the probe sent──▶ closed        probing ──the probe failed──▶ open (a new cooldown)
 */
export const circuitSchema = z.object({
  state: z.enum(["closed", "open", "probing"]),
  since: z.number(),
  reason: z.string(),
  /** Transient Wasender failures in a row. */
  failures: z.number().int().nonnegative(),
  /** Open: when one message may probe Wasender again. */
  probeAt: z.number().optional(),
  /** Probing: the message that probes, and until when it holds the probe (a dead sender's probe lapses). */
  probe: z.object({ message: z.string(), until: z.number() }).optional(),
});
export type Circuit = z.infer<typeof circuitSchema>;

export interface CircuitSettings {
  threshold: number;
  cooldownMs: number;
}

/**
 * How a failed Wasender attempt bears on the circuit: `transient` (Wasender down, slow or rate
 * limiting) counts toward opening; `refused` (Wasender refuses the session) opens at once; `message`
 * (the message itself was refused) proves Wasender answers, as a success does.
 */
export type WasenderFailureKind = "transient" | "refused" | "message";

/** The provider a number's replies fail over to. */
export type FailoverChannel = "meta" | "unipile";

export interface Route {
  channel: "wasender" | FailoverChannel;
  /** This message probes Wasender for the circuit. */
  probe: boolean;
  /** The circuit to store, when it changed. */
  next?: Circuit;
}

/**
 * Which channel a message of this number takes now. `sessionDown` names the Wasender session state
 * that keeps it from sending (need_scan, logged_out, ...), if any.
 */
export function route(
  circuit: Circuit | undefined,
  sessionDown: string | undefined,
  now: number,
  settings: CircuitSettings,
  message: string,
  probeLeaseMs: number,
  failover: FailoverChannel = "meta",
): Route {
  if (sessionDown !== undefined) {
    const reason = `the Wasender session is ${sessionDown}`;
    if (circuit?.state === "open" && circuit.reason === reason) return { channel: failover, probe: false };
    const failures = circuit?.failures ?? 0;
    return {
      channel: failover,
      probe: false,
      next: { state: "open", since: now, reason, failures, probeAt: now + settings.cooldownMs },
    };
  }
  if (!circuit || circuit.state === "closed") return { channel: "wasender", probe: false };
  const probeFree =
    circuit.state === "open"
      ? (circuit.probeAt ?? 0) <= now
      : circuit.probe === undefined || circuit.probe.message === message || circuit.probe.until <= now;
  if (!probeFree) return { channel: failover, probe: false };
  const { probeAt: _p, ...rest } = circuit;
  return {
    channel: "wasender",
    probe: true,
    next: {
      ...rest,
      state: "probing",
      probe: { message, until: now + probeLeaseMs },
      ...(circuit.state === "open" && { reason: `${circuit.reason}; probing Wasender` }),
    },
  };
}

/** The circuit after a Wasender attempt of this number; undefined when nothing changes (no write). */
export function afterWasenderAttempt(
  circuit: Circuit | undefined,
  outcome: { ok: true } | { ok: false; kind: WasenderFailureKind; reason: string },
  now: number,
  settings: CircuitSettings,
): Circuit | undefined {
  // A message Wasender refused (a bad number) still proves Wasender answers: as good as a success here.
  if (outcome.ok || outcome.kind === "message") {
    if (!circuit || (circuit.state === "closed" && circuit.failures === 0)) return undefined;
    return {
      state: "closed",
      since: now,
      reason: circuit.state === "closed" ? "Wasender answered" : "a probe went through Wasender: back on Wasender",
      failures: 0,
    };
  }
  const failures = (circuit?.failures ?? 0) + 1;
  const open = (reason: string): Circuit => ({
    state: "open",
    since: now,
    reason,
    failures,
    probeAt: now + settings.cooldownMs,
  });
  if (circuit?.state === "probing") return open(`the probe failed: ${outcome.reason}`);
  if (circuit?.state === "open") return { ...circuit, failures };
  if (outcome.kind === "refused") return open(`Wasender refuses the session: ${outcome.reason}`);
  if (failures >= settings.threshold) return open(`${failures} Wasender failures in a row; last: ${outcome.reason}`);
  return {
    state: "closed",
    since: circuit?.since ?? now,
    reason: `${failures} Wasender failure(s) in a row; last: ${outcome.reason}`,
    failures,
  };
}
