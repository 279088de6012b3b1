/**
 * Configuration-space access as bus operations: a machine provides one of
 * these and everything above (functions, capabilities, BARs) uses only it.
 */
import type { Bdf } from './bdf.js';

export type Width = 1 | 2 | 4;

export interface ConfigAccess {
  /** Highest config offset + 1 this access method reaches (256 or 4096). */
  readonly limit: number;
  read(bdf: Bdf, offset: number, width: Width): Promise<number>;
  write(bdf: Bdf, offset: number, width: Width, value: number): Promise<void>;
}

export function checkConfigOffset(access: ConfigAccess, offset: number, width: Width): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + width > access.limit || offset % width !== 0) {
    throw new RangeError(`config offset 0x${offset.toString(16)} (width ${width}) is not aligned or beyond 0x${access.limit.toString(16)}`);
  }
}
