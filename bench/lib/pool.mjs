// Bounded concurrency: at most `concurrency` of the jobs in flight at once.

/** Runs `work(item, index)` over `items` with at most `concurrency` in flight; resolves with the results in order. */
export async function inPool(items, concurrency, work) {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
