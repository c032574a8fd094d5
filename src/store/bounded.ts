// Many reads at once, but not all at once: 10,000 domain files read with Promise.all would open 10,000 files
// together (EMFILE under a low ulimit, and no faster than a few at a time on one disk).
export const READ_CONCURRENCY = 16

/** fn over items, at most `limit` at a time; results in the order of items. */
export async function mapBounded<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = READ_CONCURRENCY): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i])
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return out
}
