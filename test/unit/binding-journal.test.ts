/**
 * The binding journal's own rules (the restore itself is tested for real in
 * the box: test/box/vfio-binding.test.ts): entries are written whole, read
 * back, told stale only when their harness is gone, and a damaged entry is
 * reported rather than acted on.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isStale, journalDir, readJournal, recordBinding, forgetBinding, recoverStaleBindings } from '../../harness/janitor/binding-journal.js';

describe('binding journal', () => {
  let dir: string;
  const saved = process.env['MSIX_HARNESS_RUN_DIR'];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-run-'));
    process.env['MSIX_HARNESS_RUN_DIR'] = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['MSIX_HARNESS_RUN_DIR'];
    else process.env['MSIX_HARNESS_RUN_DIR'] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records what to restore, with this process as its owner, whole and with no temporary file left', () => {
    const file = recordBinding({ bdf: '0000:01:00.0', driver: 'igb', override: '', numVfs: 2 }, '/sys');
    expect(path.dirname(file)).to.equal(journalDir());
    expect(fs.readdirSync(journalDir())).to.deep.equal(['0000:01:00.0.json']);
    const [r] = readJournal();
    expect(r && 'entry' in r ? r.entry : r).to.deep.include({ bdf: '0000:01:00.0', driver: 'igb', override: '', numVfs: 2, pid: process.pid, sys: '/sys' });
    forgetBinding(file);
    expect(readJournal()).to.deep.equal([]);
  });

  it('is stale only when its harness is gone, or its pid now belongs to another process', () => {
    recordBinding({ bdf: '0000:01:00.0', override: '' }, '/sys');
    const [r] = readJournal();
    const e = (r as { entry: Parameters<typeof isStale>[0] }).entry;
    expect(isStale(e)).to.equal(false);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    expect(isStale({ ...e, pid: Number(dead) })).to.equal(true);
    expect(isStale({ ...e, pidStart: '1' })).to.equal(true);
  });

  it("leaves a running harness's entries alone, and reports a damaged entry instead of acting on it", () => {
    recordBinding({ bdf: '0000:01:00.0', override: '' }, '/sys');
    fs.writeFileSync(path.join(journalDir(), '0000:02:00.0.json'), '{"bdf": 3');
    const r = recoverStaleBindings();
    expect(r.restored).to.deep.equal([]);
    expect(r.live.join()).to.match(/0000:01:00\.0 \(bound by msix-harness pid \d+, still running\)/);
    expect(r.failed.join()).to.match(/0000:02:00\.0\.json: unreadable journal entry .*restore that device by hand/);
    expect(fs.readdirSync(journalDir()).sort()).to.deep.equal(['0000:01:00.0.json', '0000:02:00.0.json']);
  });

  it('an entry for a device no longer on the host stays, with the reason', () => {
    const gone = path.join(dir, 'sys');
    fs.mkdirSync(path.join(gone, 'bus/pci/devices'), { recursive: true });
    const file = recordBinding({ bdf: '0000:09:00.0', driver: 'e1000e', override: '' }, gone);
    const e = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...e, pid: 2 ** 22 + 1 }));
    const r = recoverStaleBindings();
    expect(r.failed.join()).to.match(/0000:09:00\.0 to e1000e: 0000:09:00\.0 is no longer on this host/);
    expect(fs.existsSync(file)).to.equal(true);
  });
});
