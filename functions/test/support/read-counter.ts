import { DocumentReference, Query } from "firebase-admin/firestore";
import { vi } from "vitest";

/** Counts Firestore document and query reads made in this process while `work` runs. */
export async function countReads(work: () => Promise<unknown>): Promise<number> {
  const docGet = vi.spyOn(DocumentReference.prototype, "get");
  const queryGet = vi.spyOn(Query.prototype, "get");
  try {
    await work();
    return docGet.mock.calls.length + queryGet.mock.calls.length;
  } finally {
    docGet.mockRestore();
    queryGet.mockRestore();
  }
}
