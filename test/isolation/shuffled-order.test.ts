/**
 * Isolation, proven: a case never sees what an earlier case left behind.
 * The emulated suite (here) runs in the suite's order and in a shuffled
 * order (--shuffle); the vfio suite (in the box) on a QEMU of its own per
 * case (--fresh-qemu), on kept QEMUs with the device hot-plugged, and on
 * kept QEMUs shuffled. Every case's outcome and every observation it
 * recorded must be the same every way. The orders must differ, and kept
 * QEMUs must have been used, or the test would prove nothing.
 */
import { expect } from 'chai';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { devicePlugin } from '../../harness/devices/index.js';
import type { CaseResult } from '../../harness/results/run-report.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { runVfioInBox } from '../../harness/runner/vfio-in-box.js';
import { emulatedSuite } from '../../suites/emulated/msix-core-rules.js';
import { vfioSuite } from '../../suites/vfio/host-tracks-guest.js';

const SEED = 20261205;

/** What must not depend on the order: the outcome, and each observation as the case recorded it. */
function seen(rs: readonly CaseResult[]): Map<string, unknown> {
  return new Map(rs.map((r) => [r.id, { outcome: r.outcome, skip: r.skipReason, evidence: r.evidence.map((e) => [e.view, e.label, e.ok, e.expected, e.observed]) }]));
}

function expectSameOutcomes(inOrder: readonly CaseResult[], shuffled: readonly CaseResult[]): void {
  expect(shuffled.map((r) => r.id), 'the shuffled run ran the cases in another order').to.not.deep.equal(inOrder.map((r) => r.id));
  expectSame(inOrder, shuffled);
}

/** The same cases, each with the same outcome and observations. */
function expectSame(one: readonly CaseResult[], other: readonly CaseResult[]): void {
  expect([...other.map((r) => r.id)].sort()).to.deep.equal([...one.map((r) => r.id)].sort());
  const a = seen(one);
  const b = seen(other);
  const differ = [...a.keys()].filter((id) => JSON.stringify(a.get(id)) !== JSON.stringify(b.get(id)));
  expect(differ, differ.map((id) => `${id}\n  one:   ${JSON.stringify(a.get(id))}\n  other: ${JSON.stringify(b.get(id))}`).join('\n')).to.deep.equal([]);
}

describe('isolation: every outcome and observation is the same in a shuffled order', function () {
  this.timeout(1_800_000);

  it('emulated suite (e1000e, virtio-net-pci, nvme on QEMU 7.2.22): fresh QEMUs in order, kept QEMUs in order and shuffled', async () => {
    const build = await resolveBuild('debian:bookworm', () => undefined);
    const devices = ['e1000e', 'virtio-net-pci', 'nvme'].map(devicePlugin);
    const fresh = await runSuites({ suites: [emulatedSuite], builds: [build], devices, freshQemu: true });
    const kept = await runSuites({ suites: [emulatedSuite], builds: [build], devices });
    const keptShuffled = await runSuites({ suites: [emulatedSuite], builds: [build], devices, shuffle: SEED });
    expect(kept.filter((r) => (r.time?.hotplug ?? 0) > 0 && r.time?.['qemu-start'] === 0).length, 'cases on a kept QEMU').to.be.greaterThan(15);
    expect(fresh.filter((r) => r.outcome === 'passed').length).to.be.greaterThan(50);
    expectSame(fresh, kept);
    expectSameOutcomes(kept, keptShuffled);
  });

  it('vfio suite in the box (e1000e, QEMU 11.1.3, kernel 6.12): fresh QEMUs in order, kept QEMUs in order and shuffled', async () => {
    const lines: string[] = [];
    const build = await resolveBuild('debian:newest', (m) => lines.push(m));
    const run = async (o: { shuffle?: number; freshQemu?: boolean }) => (await runVfioInBox({ suite: vfioSuite, builds: [build], kernels: ['6.12'], device: devicePlugin('e1000e'), ...o, progress: (m) => lines.push(m), onLine: (l) => lines.push(l) })).cases;
    const fresh = await run({ freshQemu: true });
    const kept = await run({});
    const keptShuffled = await run({ shuffle: SEED });
    // Kept QEMUs were used: some case hot-plugged its device, and started no QEMU of its own.
    expect(kept.filter((r) => (r.time?.hotplug ?? 0) > 0 && r.time?.['qemu-start'] === 0).length, 'cases on a kept QEMU').to.be.greaterThan(5);
    expect(fresh.filter((r) => (r.time?.hotplug ?? 0) > 0).length, 'hot-plugs with --fresh-qemu').to.equal(0);
    expectSame(fresh, kept);
    expectSameOutcomes(kept, keptShuffled);
    // Under TCG the KVM-only cases skip: the rest must have run.
    expect(fresh.filter((r) => r.outcome === 'passed').length, lines.slice(-30).join('\n')).to.be.greaterThan(12);
  });
});
