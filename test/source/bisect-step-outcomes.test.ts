/**
 * What one bisect step tells git, from the case's raw outcome, on a real
 * QEMU (7.2 from Debian's source, with the qtest accelerator) behind a
 * `--build` command that puts a wrapper in the tree's build folder:
 * passed = good (0); a QEMU that cannot start the case's device, an error
 * of the environment, = skip (125), never bad; and --find-fix swaps good
 * and bad.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bisectStep, GOOD, SKIP, BAD, type StepLog } from '../../harness/bisect/bisect-step.js';
import { seedSpec } from '../../harness/regressions/seed-revert.js';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { suites } from '../../suites/index.js';

const CASE = 'emulated.e1000e.reset-state';

describe('bisect steps judge by raw outcome: an error skips the commit', function () {
  this.timeout(600_000);
  let top: string;
  let real: string;
  const tree = () => path.join(top, 'tree');

  before(async () => {
    real = (await resolveBuild('seed:released', (m) => process.stderr.write(`      ${m}\n`), [seedSpec])).binary;
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-step-'));
    fs.mkdirSync(path.join(tree(), 'hw', 'pci'), { recursive: true });
    fs.writeFileSync(path.join(tree(), 'configure'), '#!/bin/sh\n');
    fs.writeFileSync(path.join(tree(), 'hw', 'pci', 'msix.c'), '/* stand-in: the build command below supplies the binary */\n');
    const git = (...a: string[]) => execFileSync('git', ['-C', tree(), '-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'tree');
  });
  after(() => fs.rmSync(top, { recursive: true, force: true }));

  /** A build command whose "binary" runs the real QEMU, refusing e1000e when `breakE1000e`. */
  const buildCmd = (breakE1000e: boolean) =>
    `mkdir -p build && printf '#!/bin/sh\\n${breakE1000e ? 'case "$*" in *e1000e,*) echo "e1000e: cannot open firmware" >&2; exit 1;; esac\\n' : ''}exec ${real} "$@"\\n' > build/qemu-system-x86_64 && chmod +x build/qemu-system-x86_64`;

  const step = async (breakE1000e: boolean, findFix = false) => {
    const log = path.join(top, `log-${breakE1000e}-${findFix}.jsonl`);
    const code = await bisectStep({ suites, src: tree(), caseId: CASE, kernel: '6.12', build: buildCmd(breakE1000e), log, ...(findFix ? { findFix } : {}) });
    const entry = JSON.parse(fs.readFileSync(log, 'utf8').trim().split('\n').at(-1)!) as StepLog;
    return { code, entry };
  };

  it('the case holds: good; with --find-fix: the new (fixed) side', async () => {
    const a = await step(false);
    expect(a.code).to.equal(GOOD);
    expect(a.entry.verdict).to.equal('good');
    expect((await step(false, true)).code).to.equal(BAD);
  });

  it('QEMU cannot start the device (an error, not QEMU failing the case): skip', async () => {
    const { code, entry } = await step(true);
    expect(code).to.equal(SKIP);
    expect(entry.verdict).to.equal('skip');
    expect(entry.result?.outcome).to.equal('error');
    expect(entry.why).to.match(/^error: /);
  });
});
