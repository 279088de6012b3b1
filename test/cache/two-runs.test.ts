/**
 * Two runs started together on an empty cache folder, both needing the same
 * cold Debian QEMU build: both pass, the build is downloaded once (the
 * second run waits for the first's lock and says so), and nothing
 * half-made or locked is left behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'chai';

const MAIN = new URL('../../bin/msix-harness.js', import.meta.url).pathname;

describe('two runs at once on an empty cache', function () {
  this.timeout(900_000);

  it('both pass with one download of the build, and leave no lock or partial folder', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-two-runs-'));
    try {
      const run = () => execa(process.execPath, [MAIN, 'run', '--suite', 'emulated', '--qemu', 'debian:bookworm', '--device', 'e1000e', '--grep', 'masked-fire-pends'], { env: { ...process.env, MSIX_HARNESS_CACHE: cache }, reject: false, all: true });
      const [a, b] = await Promise.all([run(), run()]);
      const text = `--- run 1\n${a.all}\n--- run 2\n${b.all}`;
      expect(a.exitCode, text).to.equal(0);
      expect(b.exitCode, text).to.equal(0);
      expect(text.match(/debian:bookworm: downloading /g) ?? [], text).to.have.length(1);
      expect(text, text).to.match(/another msix-harness run is preparing it; waiting for it/);
      const left = fs.readdirSync(path.join(cache, 'debian', 'bookworm'));
      expect(left.filter((n) => n.endsWith('.lock') || n.includes('.partial')), left.join(' ')).to.deep.equal([]);
      expect(left.filter((n) => fs.existsSync(path.join(cache, 'debian', 'bookworm', n, '.complete')))).to.have.length(1);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
