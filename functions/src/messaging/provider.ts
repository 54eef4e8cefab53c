import { sendsWithUnipile, type MessagingInstance, type WasenderInstance } from "../model/waba-instance";
import { readInstance, readVendorInstanceCached } from "../store/waba-instances";
import { readRuntime } from "../store/waba-runtime";
import type { MessagingProvider, WasenderSession } from "./types";

export type { MessagingProvider, SendFailure, SendFailureCode, SendResult, WasenderSession } from "./types";

/** Which provider sends one message: the number's Wasender session, its Cloud API number, or its Unipile account. */
export type Channel = "wasender" | "meta" | "unipile";

/** The channel a stored `provider` names ("wasender" for anything older or unknown). */
export function toChannel(provider: unknown): Channel {
  return provider === "meta" || provider === "unipile" ? provider : "wasender";
}

/** The channel a number sends through when nothing (a failover, a customer's Meta number) says otherwise. */
export function ownChannel(instance: MessagingInstance): Channel {
  return toChannel(instance.provider);
}

/**
 * The one way to a provider (built above this layer, from the concrete providers' folders): the
 * `MessagingProvider` that sends as a number through a channel, and the Wasender session calls the
 * admin API makes.
 */
export interface Providers {
  /** Undefined when the number has no such channel configured. */
  forInstance(instance: MessagingInstance, channel?: Channel): MessagingProvider | undefined;
  /** The number's Wasender session, for session settings and status (admin API). */
  wasenderSession(instance: WasenderInstance): WasenderSession;
}

/** Whether the number has the sending fields of the channel a message asks for (none asked: yes). */
function canSend(instance: MessagingInstance, requested: unknown): boolean {
  if (requested === "meta") return !!instance.metaPhoneNumberId && !!instance.metaAccessToken;
  if (requested === "unipile") return sendsWithUnipile(instance);
  return true;
}

export type InstanceResolution =
  | { ok: true; instance: MessagingInstance }
  /** Not usable for sending now but may be later (disconnected): the message waits, or fails over. */
  | { ok: false; wait: true; reason: string; instance: MessagingInstance }
  | { ok: false; wait: false; reason: string };

/**
 * The usable instance of this vendor for a message: the number `wabaInstanceId` when given (a reply
 * leaves from the number the customer wrote to), else the vendor's configured number. Refuses an
 * instance that is invalid, or owned by another vendor. `fresh` reads the documents rather than the
 * cache (the admin API acts on what an operator just edited).
 */
export async function resolveInstance(
  vendorId: string,
  wabaInstanceId: string,
  options: { fresh?: boolean; requested?: unknown } = {},
): Promise<InstanceResolution> {
  let check = options.fresh
    ? await readInstance(wabaInstanceId)
    : await readVendorInstanceCached(vendorId, wabaInstanceId);
  // A reply to a customer who wrote through a provider the cached copy cannot send with: the number's
  // provider was just switched (the webhook read the new document): ask the document.
  if (!options.fresh && check?.usable && !canSend(check.instance, options.requested)) {
    check = await readInstance(wabaInstanceId);
  }
  // A cached "disconnected" may be older than the reconnection that woke this message: ask the document.
  if (!options.fresh && check?.usable && check.instance.status === "disconnected")
    check = await readInstance(wabaInstanceId);
  if (!check)
    return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} is not a number of vendor ${vendorId}` };
  if (!check.usable)
    return {
      ok: false,
      wait: false,
      reason: `waba_instances/${wabaInstanceId} is invalid: ${check.problems.join("; ")}`,
    };
  const instance = check.instance;
  if (instance.vendorId !== vendorId)
    return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} belongs to another vendor` };
  if (instance.status === "disconnected") {
    // The session's own state is runtime state: read only on this (waiting) path, never on a send's.
    const sessionStatus = instance.provider === "meta" ? undefined : (await readRuntime(instance.id)).sessionStatus;
    const named = instance.provider === "unipile" ? "Unipile" : "Wasender";
    const state = sessionStatus ? ` (${sessionStatus})` : "";
    const from = instance.provider === "meta" ? "marked disconnected" : `disconnected from ${named}${state}`;
    return { ok: false, wait: true, reason: `the number ${instance.phoneNumber} is ${from}`, instance };
  }
  return { ok: true, instance };
}
