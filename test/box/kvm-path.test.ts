/**
 * The KVM path in the box, and proof that its cases can fail: the vfio
 * suite's KVM cases on Debian's 7.2.22 under KVM with kernel-irqchip split
 * and on (the box loads kvm_amd; the vCPU counts what its local APIC takes),
 * then on mutant:kvm-masked-irqfd, the same source with one change: a
 * masked vector keeps its irqfd route. The mutant must fail the cases that
 * say a masked vector pends, under KVM only (under TCG QEMU delivers every
 * message itself, so the mutated branch is never taken).
 */
import { expect } from 'chai';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { mutantSpec } from '../../harness/regressions/source-mutants.js';
import { devicePlugin } from '../../harness/devices/index.js';
import type { CaseResult } from '../../harness/results/run-report.js';
import { combinationKey, combinationOf } from '../../harness/results/combination.js';
import { buildsUnder } from '../../harness/runner/run-accel.js';
import { runVfioInBox } from '../../harness/runner/vfio-in-box.js';
import { vfioSuite } from '../../suites/vfio/host-tracks-guest.js';

const KVM_CASES = ['kvm-masked-vector-userspace-fd', 'kvm-enable-dummy-no-route', 'kvm-route-taken-at-unmask', 'kvm-intx-back-through-irqfd'];
const slug = (r: CaseResult) => r.id.split('.').pop()!;
const outcomes = (rs: readonly CaseResult[], accel: string) => Object.fromEntries(rs.filter((r) => r.qemu.accel === accel).map((r) => [slug(r), r.outcome]));

describe('the KVM path in the box (kernel 6.12, e1000e)', function () {
  this.timeout(1_800_000);
  let released: CaseResult[] = [];
  let mutant: CaseResult[] = [];
  /** The mutant build's own accelerator (a source build has the qtest accelerator). */
  let mutantOwnAccel = '';
  const lines: string[] = [];

  before(async function () {
    const progress = (m: string) => lines.push(m);
    const device = devicePlugin('e1000e');
    const build = await resolveBuild('debian:bookworm', progress);
    const grep = { grep: `\\.(${[...KVM_CASES, 'address-data-update', 'masked-fire-pends', 'delivery-counts'].join('|')}) ` };
    released = (await runVfioInBox({ suite: vfioSuite, builds: buildsUnder([build], ['kvm-split', 'kvm-on']), kernels: ['6.12'], device, filter: grep, progress, onLine: (l) => lines.push(l) })).cases;
    const m = await resolveBuild('mutant:kvm-masked-irqfd', progress, [mutantSpec]);
    mutantOwnAccel = m.accel;
    mutant = (await runVfioInBox({ suite: vfioSuite, builds: buildsUnder([m], ['tcg', 'kvm-split']), kernels: ['6.12'], device, filter: { grep: '\\.(kvm-masked-vector-userspace-fd|masked-fire-pends|delivery-counts) ' }, progress, onLine: (l) => lines.push(l) })).cases;
  });

  it('every KVM case passes on 7.2.22 under kernel-irqchip split and on, and so do the shared cases', () => {
    for (const accel of ['kvm-split', 'kvm-on']) {
      const got = outcomes(released, accel);
      expect(got, `${accel}:\n${lines.slice(-40).join('\n')}`).to.deep.equal(Object.fromEntries([...KVM_CASES, 'delivery-counts', 'masked-fire-pends', 'address-data-update'].map((s) => [s, 'passed'])));
    }
  });

  it('each run records its accelerator: the label says KVM and the combination is its own', () => {
    const r = released.find((c) => slug(c) === 'delivery-counts' && c.qemu.accel === 'kvm-on')!;
    expect(r.qemu.label).to.include('KVM, kernel-irqchip=on');
    const keys = new Set(released.map((c) => combinationKey(combinationOf(c))));
    expect(keys.size).to.equal(released.length);
  });

  it('the rewrite case follows the run\'s irqfd trait: under KVM the next fire after an unmasked rewrite lands on the old message', () => {
    const r = released.find((c) => slug(c) === 'address-data-update' && c.qemu.accel === 'kvm-split')!;
    const item = r.evidence.find((e) => e.label.startsWith('rewritten while unmasked'));
    expect(item?.observed, JSON.stringify(r.evidence)).to.deep.equal([true, false]);
    expect(item?.expected).to.deep.equal([true, false]);
  });

  it('the mutant (a masked vector keeps its irqfd route) fails the masked-vector cases under KVM, and only there', () => {
    const kvm = outcomes(mutant, 'kvm-split');
    const tcg = outcomes(mutant, mutantOwnAccel);
    expect(kvm, JSON.stringify({ kvm, tcg })).to.deep.include({ 'kvm-masked-vector-userspace-fd': 'failed', 'masked-fire-pends': 'failed', 'delivery-counts': 'passed' });
    expect(tcg).to.deep.include({ 'masked-fire-pends': 'passed', 'delivery-counts': 'passed', 'kvm-masked-vector-userspace-fd': 'skipped' });
  });
});
