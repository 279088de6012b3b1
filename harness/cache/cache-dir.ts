/** Where downloaded and built things are kept between runs. */
import os from 'node:os';
import path from 'node:path';

export function cacheRoot(): string {
  const explicit = process.env['MSIX_HARNESS_CACHE'];
  if (explicit) return path.resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'];
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'msix-harness');
}
