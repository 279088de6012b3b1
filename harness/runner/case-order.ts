/**
 * The order cases run in: as the suite declares them, or shuffled by a seed
 * (`--shuffle SEED`), so a run can show that no case depends on what an
 * earlier one left behind. The same seed gives the same order everywhere
 * (here and in the box), so a shuffled failure can be replayed.
 */

/** mulberry32: small, seedable, and the same in every Node. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The items in the order a seed gives (Fisher-Yates); unchanged without a seed. */
export function inCaseOrder<T>(items: readonly T[], seed: number | undefined): T[] {
  const out = [...items];
  if (seed === undefined) return out;
  const r = random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
