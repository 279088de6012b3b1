/** What the browser tests share: Debian's Chromium, and counting the highlight colour on a screenshot. */
import { PNG } from 'pngjs';

export const CHROMIUM = '/usr/bin/chromium';
/** The pages' highlight of a changed value (.changed). */
export const HIGHLIGHT: readonly [number, number, number] = [0xff, 0xe5, 0x8a];

export function countColour(png: Buffer, [r, g, b]: readonly [number, number, number]): number {
  const img = PNG.sync.read(png);
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i] === r && img.data[i + 1] === g && img.data[i + 2] === b) n++;
  return n;
}
