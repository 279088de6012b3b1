/**
 * Splitting case x build x kernel combinations over machines: `--shard i/n`
 * keeps the combinations whose key hashes to i. Deterministic (the same key
 * lands in the same shard on every machine) and needs no list of the others.
 */
import { createHash } from 'node:crypto';
import { EnvironmentError } from '../errors.js';
import { combinationKey, type Combination } from '../results/combination.js';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]), count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new EnvironmentError(`"${text}" is not a shard`, 'use --shard i/n with 1 <= i <= n, e.g. --shard 2/4');
  return { index, count };
}

/** Whether this shard runs a combination (its kernel the box series, or "host" for the machine's own kernel). */
export function inShard(c: Combination, shard: Shard | undefined): boolean {
  if (!shard || shard.count === 1) return true;
  const h = createHash('sha256').update(combinationKey(c)).digest().readUInt32BE(0);
  return (h % shard.count) + 1 === shard.index;
}
