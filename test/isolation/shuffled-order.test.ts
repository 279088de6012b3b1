/**
 * Isolation, proven: a case never sees what an earlier case left behind.
 * The emulated suite (here) and the vfio suite (in the box) run in the
 * suite's order and in a shuffled order (--shuffle); every case's outcome
 * and every observation it counted must be the same both ways. The orders
 * must differ too, or the test would prove nothing.
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
  expect([...shuffled.map((r) => r.id)].sort()).to.deep.equal([...inOrder.map((r) => r.id)].sort());
  const a = seen(inOrder);
  const b = seen(shuffled);
  const differ = [...a.keys()].filter((id) => JSON.stringify(a.get(id)) !== JSON.stringify(b.get(id)));
  expect(differ, differ.map((id) => `${id}\n  in order: ${JSON.stringify(a.get(id))}\n  shuffled: ${JSON.stringify(b.get(id))}`).join('\n')).to.deep.equal([]);
}

describe('isolation: every outcome and observation is the same in a shuffled order', function () {
  this.timeout(1_800_000);

  it('emulated suite (e1000e, virtio-net-pci, nvme on QEMU 7.2.22)', async () => {
    const build = await resolveBuild('debian:bookworm', () => undefined);
    const devices = ['e1000e', 'virtio-net-pci', 'nvme'].map(devicePlugin);
    const inOrder = await runSuites({ suites: [emulatedSuite], builds: [build], devices });
    const shuffled = await runSuites({ suites: [emulatedSuite], builds: [build], devices, shuffle: SEED });
    expect(inOrder.filter((r) => r.outcome === 'passed').length).to.be.greaterThan(50);
    expectSameOutcomes(inOrder, shuffled);
  });

  it('vfio suite in the box (e1000e, QEMU 11.1.3, kernel 6.12)', async () => {
    const lines: string[] = [];
    const build = await resolveBuild('debian:newest', (m) => lines.push(m));
    const run = (shuffle?: number) => runVfioInBox({ suite: vfioSuite, builds: [build], kernels: ['6.12'], device: devicePlugin('e1000e'), ...(shuffle !== undefined ? { shuffle } : {}), progress: (m) => lines.push(m), onLine: (l) => lines.push(l) });
    const inOrder = (await run()).cases;
    const shuffled = (await run(SEED)).cases;
    expectSameOutcomes(inOrder, shuffled);
    // Under TCG the KVM-only cases skip: the rest must have run.
    expect(inOrder.filter((r) => r.outcome === 'passed').length, lines.slice(-30).join('\n')).to.be.greaterThan(12);
  });
});
