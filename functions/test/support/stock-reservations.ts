import { FirestoreShop } from "../../src/store/shop-firestore";
import { firestore } from "../../src/shared/firestore";
import { withFreshStock } from "../../src/store/stock-shards";

// Reservations of the product "robe" as a decision makes them, for the stock shard tests (whichever
// project the test file runs in).

/** A reservation in a transaction with the decision's 10 attempts, again on fresh reads when another buyer drew first. */
export function reserveRobe(
  vendorId: string,
  customer: string,
  quantity = 1,
  expiresAt = new Date(Date.now() + 600_000),
) {
  return withFreshStock(() =>
    firestore().runTransaction(
      async (tx) => {
        const shop = new FirestoreShop(tx, vendorId, "waba_test", new Date());
        const result = await shop.reserve({
          customer,
          items: [{ productId: "robe", quantity }],
          expiresAt,
          paymentLink: ({ reference }) => `https://pay.test/${reference}`,
        });
        shop.apply(tx);
        return result;
      },
      { maxAttempts: 10 },
    ),
  );
}

/** Contention may abort a transaction for good (a decision would then be made again): it reserved nothing. */
export function reserveRobeOrAborted(vendorId: string, customer: string) {
  return reserveRobe(vendorId, customer).catch((error: { code?: number }) => {
    if (error.code !== 10) throw error;
    return { ok: false as const, aborted: true as const };
  });
}

/** The i-th buyer of a test. */
export const buyerPhone = (i: number) => `+22177${String(i).padStart(7, "0")}`;
