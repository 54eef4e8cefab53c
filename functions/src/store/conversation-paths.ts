import type { DocumentReference } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";

/**
 * Layout, so the console reads naturally per customer:
 *   vendors/{vendorId}/conversations/{customer E.164}               conversation state and outbound queue
 *   vendors/{vendorId}/conversations/{customer E.164}/messages/{id} inbound and outbound messages
 */
export function conversationRef(vendorId: string, customer: string): DocumentReference {
  return firestore().collection("vendors").doc(vendorId).collection("conversations").doc(customer);
}

export function messageRef(vendorId: string, customer: string, messageId: string): DocumentReference {
  return conversationRef(vendorId, customer).collection("messages").doc(messageId);
}
