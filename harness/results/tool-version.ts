import fs from 'node:fs';

/** The harness's own version, from package.json. */
export function toolVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      /* try the next layout */
    }
  }
  return 'unknown';
}
