import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { defaultSpecs } from '../../harness/builds/build-spec.js';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../bin/msix-harness.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('msix-harness CLI', function () {
  this.timeout(60_000);

  it('exits 2 on a usage error', async () => {
    const r = await cli(['run', '--reporter', 'tap']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('tap');
  });

  it('exits 2 with the fix when the QEMU binary does not exist', async () => {
    const r = await cli(['run', '--qemu', '/nonexistent/qemu']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('does not exist').and.contain('fix:');
  });

  it('exits 2 for an unknown suite', async () => {
    const r = await cli(['run', '--suite', 'nope', '--qemu', defaultSpecs()[0]!]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('no suite "nope"');
  });

  it('writes a JSON report with what each case pinned and compared', async () => {
    const r = await cli(['run', '--suite', 'emulated', '--qemu', defaultSpecs()[0]!, '--device', 'e1000e', '--grep', 'masked-fire-pends', '--reporter', 'json']);
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as { cases: Record<string, unknown>[]; summary: unknown };
    expect(report.summary).to.deep.equal({ passed: 1, failed: 0, error: 0, skipped: 0, xfail: 0, xpass: 0 });
    const c = report.cases[0]!;
    expect(c).to.include.keys('id', 'suite', 'device', 'qemu', 'hostKernel', 'outcome', 'durationMs', 'pins', 'evidence');
    expect(c['id']).to.equal('emulated.e1000e.masked-fire-pends');
    expect(c['pins']).to.deep.equal(['C15']);
    expect((c['qemu'] as Record<string, unknown>)['version']).to.match(/^\d+\.\d+\.\d+$/);
    expect((c['evidence'] as { ok: boolean }[]).every((e) => e.ok)).to.equal(true);
  });

  it('several reporters at once: JUnit and HTML to their files, the spec lines on standard output', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-reporters-'));
    try {
      const [xml, html] = [path.join(dir, 'a.xml'), path.join(dir, 'b.html')];
      const r = await cli(['run', '--suite', 'emulated', '--qemu', defaultSpecs()[0]!, '--device', 'e1000e', '--grep', 'masked-fire-pends', '--reporter', 'junit', '--out', xml, '--reporter', 'html', '--out', html]);
      expect(r.code, r.stderr).to.equal(0);
      expect(fs.readFileSync(xml, 'utf8')).to.contain('<testsuites').and.contain('classname="emulated.e1000e"');
      expect(fs.readFileSync(html, 'utf8')).to.contain('<html').and.contain('emulated.e1000e.masked-fire-pends');
      expect(r.stdout).to.match(/^ok {3}emulated\.e1000e\.masked-fire-pends/m).and.match(/1 passed, 0 failed, 0 skipped/);
      // Two formats cannot share standard output; an --out too many is a usage error.
      expect((await cli(['run', '--reporter', 'json', '--reporter', 'junit'])).stderr).to.contain('only one report can go to standard output');
      expect((await cli(['run', '--reporter', 'json', '--out', xml, '--out', html])).code).to.equal(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inspect: --box and --host-device together are refused with what to do', async () => {
    const r = await cli(['inspect', '--box', '--host-device', '0000:00:03.0']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('--box and --host-device both name the device').and.contain('fix:');
  });

  it('inspect: an SR-IOV VF cannot be emulated on its own; the error names --box', async () => {
    const r = await cli(['inspect', '--device', 'igbvf', '--qemu', defaultSpecs()[0]!]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('SR-IOV VF').and.contain('--box --device igbvf');
  });

  it('--live: a command stopped by an error still ends (its page server does not keep it running)', async () => {
    for (const cmd of ['run', 'compare']) {
      const r = await cli([cmd, '--suite', 'emulated', '--qemu', '/nonexistent/qemu', '--live']);
      expect(r.code, `${cmd}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.contain('live page: http://127.0.0.1:').and.contain('does not exist');
    }
  });
});
