import { FieldValue } from "firebase-admin/firestore";
import { logger } from "../shared/logger";
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
    else
      logger.warn("invalid product skipped", { vendorId, productId: doc.id, problems: describeIssues(parsed.error) });
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

/**
 * How long a function instance reuses a vendor's catalogue. During a live every buyer's message needs
 * it (keywords, menu), and the query costs one read per product; a card or menu may show a stock a
 * few seconds old, never a reservation: those re-read the product in their transaction.
 */
const CATALOGUE_TTL_MS = 3_000;
const catalogues = new Map<string, { at: number; products: Promise<Product[]> }>();

export function readActiveProductsCached(vendorId: string, now = Date.now()): Promise<Product[]> {
  const cached = catalogues.get(vendorId);
  if (cached && now - cached.at < CATALOGUE_TTL_MS) return cached.products;
  const products = readActiveProducts(vendorId);
  catalogues.set(vendorId, { at: now, products });
  // A failed read is not kept: the next message tries again.
  products.catch(() => {
    if (catalogues.get(vendorId)?.products === products) catalogues.delete(vendorId);
  });
  return products;
}

/** Every product of the vendor as stored (active or not, valid or not), for the console. */
export async function readAllProductDocs(
  vendorId: string,
): Promise<Array<{ id: string; data: Record<string, unknown> }>> {
  const snap = await firestore().collection("vendors").doc(vendorId).collection("products").get();
  return snap.docs.map((doc) => ({ id: doc.id, data: doc.data() }));
}

/**
 * An operator's edit of a product, as a console edit would make it: the given fields replace the
 * stored ones (server-kept `stockSync` stays, so an edited `stock` is spread over the shards by
 * `onProductWritten`); `removed` fields are deleted.
 */
export async function writeProductFields(
  vendorId: string,
  productId: string,
  fields: Record<string, unknown>,
  removed: string[],
): Promise<void> {
  const update: Record<string, unknown> = { ...fields, updatedAt: FieldValue.serverTimestamp() };
  for (const name of removed) update[name] = FieldValue.delete();
  await productRef(vendorId, productId).set(update, { merge: true });
}
