/**
 * --qemu-src / --build errors: a folder that is not a QEMU tree, and a build
 * command that fails (the error names the log and shows its tail).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { resolveSourceBuild } from '../../harness/builds/build-spec.js';
import { cacheRoot } from '../../harness/cache/cache-dir.js';
import { EnvironmentError } from '../../harness/errors.js';

describe('QEMU source builds: errors', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-src-'))));
  /** The two files that make a folder pass for a QEMU tree. */
  const looksLikeQemu = () => {
    fs.writeFileSync(path.join(dir, 'configure'), '#!/bin/sh\n');
    fs.mkdirSync(path.join(dir, 'hw/pci'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'hw/pci/msix.c'), '');
  };
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    // The build logs these runs left under the cache.
    const logs = path.join(cacheRoot(), 'logs');
    for (const f of fs.existsSync(logs) ? fs.readdirSync(logs) : []) if (f.startsWith(`${path.basename(dir)}-`)) fs.rmSync(path.join(logs, f));
  });

  it('a folder that is not a QEMU tree', async () => {
    const e = await resolveSourceBuild(dir, () => undefined).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(EnvironmentError);
    expect((e as Error).message).to.contain('is not a QEMU source tree');
  });

  it('a --build command that fails: exit code, log file and its tail', async () => {
    looksLikeQemu();
    const e = await resolveSourceBuild(dir, () => undefined, 'echo compiling msix.c; echo "msix.c:1: error: boom" >&2; exit 3').catch((x: unknown) => x);
    expect(e).to.be.instanceOf(EnvironmentError);
    const m = (e as Error).message;
    expect(m).to.contain('exit code 3').and.contain('msix.c:1: error: boom').and.contain('log: ');
    const log = /log: (\S+)/.exec(m)![1]!;
    expect(fs.readFileSync(log, 'utf8')).to.contain('compiling msix.c');
  });

  it('a --build command that succeeds but leaves no binary', async () => {
    looksLikeQemu();
    const e = await resolveSourceBuild(dir, () => undefined, 'true').catch((x: unknown) => x);
    expect(e).to.be.instanceOf(EnvironmentError);
    expect((e as Error).message).to.contain('left no qemu-system-x86_64');
  });
});
