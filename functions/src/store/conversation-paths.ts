import type { DocumentReference } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";

/**
 * Layout, so the console reads naturally per customer:
 *   vendors/{vendorId}/conversations/{customer E.164}                conversation state and outbound queue
 *   vendors/{vendorId}/conversations/{customer E.164}/messages/{id}  inbound messages, and the messages a
 *                                                                     dashboard writes (the reply trigger's)
 *   vendors/{vendorId}/conversations/{customer E.164}/outbound/{id}  every message the backend sends, with
 *                                                                     its delivery (no trigger watches it)
 * A dashboard message is sent as `outbound/{its id}`; its own document gets the final status back.
 */
export const OUTBOUND = "outbound";

export function conversationRef(vendorId: string, customer: string): DocumentReference {
  return firestore().collection("vendors").doc(vendorId).collection("conversations").doc(customer);
}

export function messageRef(vendorId: string, customer: string, messageId: string): DocumentReference {
  return conversationRef(vendorId, customer).collection("messages").doc(messageId);
}

export function outboundRef(vendorId: string, customer: string, messageId: string): DocumentReference {
  return conversationRef(vendorId, customer).collection("outbound").doc(messageId);
}

/** The vendor and customer of a conversation document. */
export function conversationIds(conversation: DocumentReference): { vendorId: string; customer: string } {
  return { vendorId: conversation.parent.parent!.id, customer: conversation.id };
}

/** The vendor and customer of a document under a conversation (a message or an outbound message). */
export function conversationOf(ref: DocumentReference): { vendorId: string; customer: string } {
  return conversationIds(ref.parent.parent!);
}
