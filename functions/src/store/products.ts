import { logger } from "firebase-functions";
import { firestore } from "../shared/firestore";
import { describeIssues } from "../model/common";
import { productSchema, type Product } from "../model/product";

/** `vendors/{vendorId}/products`: the vendor's active products; invalid documents are skipped loudly. */
export async function readActiveProducts(vendorId: string): Promise<Product[]> {
  const snap = await firestore()
    .collection("vendors")
    .doc(vendorId)
    .collection("products")
    .where("active", "==", true)
    .get();
  const products: Product[] = [];
  for (const doc of snap.docs) {
    const parsed = productSchema.safeParse(doc.data());
    if (parsed.success) products.push({ id: doc.id, ...parsed.data });
    else logger.warn("invalid product skipped", { vendorId, productId: doc.id, problems: describeIssues(parsed.error) });
  }
  return products;
}

export function productRef(vendorId: string, productId: string) {
  return firestore().collection("vendors").doc(vendorId).collection("products").doc(productId);
}

/** One product by id, active or not; undefined when missing or invalid. */
export function parseProduct(id: string, data: unknown): Product | undefined {
  const parsed = productSchema.safeParse(data);
  return parsed.success ? { id, ...parsed.data } : undefined;
}
