/**
 * Runs suites on targets (build x device) with mocha as the engine: one
 * mocha test per case and target, each on a fresh QEMU. Results come back
 * as CaseResults with their evidence.
 */
import { describeLaunch } from '../qemu/launch.js';
import { judgeKnownBug } from '../expect/known-bugs.js';
import { isReleaseVersion } from '../expect/traits.js';
import { HarnessError, QEMU_FAULT_KINDS, QemuStartError } from '../errors.js';
import os from 'node:os';
import Mocha from 'mocha';
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import { versionString } from '../builds/qemu-build.js';
import { killAllQemuNow } from '../qemu/qemu-process.js';
import type { BuildRef, CaseResult, RawOutcome } from '../results/run-report.js';
import { NotApplicable, type CaseContext, type CaseSpec, type EmulatedCase, type SuiteSpec, type Target, type VfioCase } from '../case/case.js';
import { HostView, type HostDeviceFacts } from '../case/host-view.js';
import { Dut, type DutOptions } from '../case/dut.js';
import { hotplugSlotFor } from '../pci/machines/index.js';
import { Timeline } from '../timeline.js';
import { caseIdText, DEFAULT_MACHINE, type CaseId } from '../case-id.js';
import type { MachineType } from '../qemu/machine.js';
import { describeMismatch, Evidence } from '../case/evidence.js';
import { closeLedger, openLedger, type TimeLedger } from '../time-ledger.js';
import { inCaseOrder } from './case-order.js';
import { MachinePool } from '../case/machine-pool.js';

export interface RunOptions {
  readonly suites: readonly SuiteSpec[];
  readonly builds: readonly QemuBuild[];
  readonly devices: readonly DevicePlugin[];
  readonly caseTimeoutMs?: number;
  /** For 'vfio' suites: the host device passed through and what is known of it. */
  readonly hostDevice?: HostDeviceFacts;
  /** How long a case waits for a delivery or a host count (default 5 s). */
  readonly deliveryTimeoutMs?: number;
  /** Migrations in the cases go to this build, on this versioned machine type both builds have (compare --migrate). */
  readonly migration?: { readonly to: QemuBuild; readonly machineVersion: string };
  /** Which case x build combinations to run (the user's filter, a shard, the migration cases); default all. */
  readonly select?: (c: CaseSpec, id: CaseId, build: QemuBuild) => boolean;
  /** Called as each case ends (for progress output). */
  readonly onResult?: (r: CaseResult) => void;
  /** The machine types every case runs on, each a target of its own (default q35 alone). */
  readonly machines?: readonly MachineType[];
  /** Run each target's cases in the order this seed gives (case-order.ts), not the suite's. */
  readonly shuffle?: number;
  /** Every case on a QEMU of its own; by default a case whose device can be hot-plugged gets a kept QEMU (case/dut-pooled.ts). */
  readonly freshQemu?: boolean;
}

interface CaseMeta {
  result?: Omit<CaseResult, 'outcome' | 'durationMs' | 'error'>;
  caseId?: CaseId;
  build?: QemuBuild;
  skipReason?: string;
  evidence?: Evidence;
  /** Where the case's time went (closed when the case ends). */
  ledger?: TimeLedger;
}

export function buildRef(b: QemuBuild): BuildRef {
  return { label: b.label, spec: b.spec, version: versionString(b.version), package: b.version.package, path: b.binary, sha256: b.sha256, accel: b.accel, traits: b.traits, libraries: describeLaunch(b.launch) };
}

export async function runSuites(opts: RunOptions): Promise<CaseResult[]> {
  const hostKernel = os.release();
  const results: CaseResult[] = [];
  const metas = new Map<Mocha.Test, CaseMeta>();
  const pool = opts.freshQemu ? undefined : new MachinePool();
  const mocha = new Mocha({ timeout: opts.caseTimeoutMs ?? 60_000, reporter: class {} as unknown as typeof Mocha.reporters.Base });
  for (const suite of opts.suites) {
    for (const build of opts.builds) {
      const buildSuite = Mocha.Suite.create(mocha.suite, `${suite.name} on QEMU ${build.label}`);
      if (pool) buildSuite.afterAll(() => pool.release(build.binary));
      for (const device of opts.devices) for (const machine of opts.machines ?? [DEFAULT_MACHINE]) {
        const deviceSuite = Mocha.Suite.create(buildSuite, machine === DEFAULT_MACHINE ? device.name : `${device.name} on ${machine}`);
        for (const c of inCaseOrder(suite.cases, opts.shuffle)) {
          const host = suite.kind === 'vfio' ? opts.hostDevice : undefined;
          // A migration names the versioned machine type it ran on: a pair migrates on several.
          const idMachine = opts.migration?.machineVersion ?? machine;
          const caseId: CaseId = { suite: suite.name, device: device.name, slug: c.slug, ...(idMachine === DEFAULT_MACHINE ? {} : { machine: idMachine }) };
          if (opts.select && !opts.select(c, caseId, build)) continue;
          const id = caseIdText(caseId);
          const meta: CaseMeta = {};
          const test = new Mocha.Test(c.title, async function (this: Mocha.Context) {
            meta.evidence = new Evidence();
            meta.ledger = openLedger();
            const to = opts.migration?.to;
            const reason = to && !to.devices.has(device.driver) ? `the destination QEMU ${to.label} has no ${device.driver} device` : skipReasonFor(suite, c, { build, device, machine, ...(host ? { host } : {}) });
            if (reason) {
              meta.skipReason = reason;
              this.skip();
            }
            try {
              await runCase(c, { build, device, machine, ...(host ? { host } : {}) }, meta.evidence, opts, pool);
            } catch (e) {
              if (!(e instanceof NotApplicable)) throw e;
              meta.skipReason = e.message;
              this.skip();
            }
          });
          meta.result = {
            id,
            suite: suite.name,
            title: c.title,
            device: device.name,
            ...(idMachine === DEFAULT_MACHINE ? {} : { machine: idMachine }),
            qemu: buildRef(build),
            hostKernel,
            ...(host ? { hostDevice: { bdf: host.bdf, noresize: host.noresize } } : {}),
            ...(opts.migration ? { migratedTo: buildRef(opts.migration.to) } : {}),
            pins: c.pins,
            evidence: [],
          };
          meta.build = build;
          meta.caseId = caseId;
          metas.set(test, meta);
          deviceSuite.addTest(test);
        }
      }
    }
  }
  // The run callback comes after 'end', once the instance can be disposed.
  let finished!: () => void;
  const ended = new Promise<void>((resolve) => (finished = resolve));
  const runner = mocha.run(() => finished());
  const finish = (test: Mocha.Test, raw: RawOutcome, err?: Error) => {
    const meta = metas.get(test);
    if (!meta?.result) return;
    const evidence = meta.evidence?.items ?? [];
    const time = meta.ledger?.parts();
    if (meta.ledger) closeLedger(meta.ledger);
    const build = meta.build!;
    const judged =
      raw === 'passed' || raw === 'failed'
        ? judgeKnownBug(meta.caseId!, raw, evidence, { version: meta.result.qemu.version, release: isReleaseVersion(build.version), gitHasFix: (bug) => build.knownFixes[bug.id] })
        : undefined;
    const r: CaseResult = {
      ...meta.result,
      outcome: judged?.outcome ?? raw,
      rawOutcome: raw,
      ...(judged ? { knownBug: { id: judged.bug.id, ...(judged.bug.fixedBy ? { fixedBy: judged.bug.fixedBy } : {}), hint: judged.hint } } : {}),
      durationMs: Math.round(test.duration ?? 0),
      ...(time ? { time } : {}),
      evidence,
      ...(meta.skipReason ? { skipReason: meta.skipReason } : {}),
      ...(err ? { error: { message: err.message, ...(err.stack ? { stack: err.stack } : {}) } } : {}),
    };
    results.push(r);
    opts.onResult?.(r);
  };
  runner.on('pass', (t) => finish(t, 'passed'));
  runner.on('fail', (t, err) => {
    if (t.type === 'test') finish(t as Mocha.Test, classify(err, metas.get(t as Mocha.Test)?.evidence), err);
  });
  runner.on('pending', (t) => finish(t, 'skipped'));
  await ended;
  // The runner's process-wide uncaughtException/unhandledRejection listeners go with it.
  mocha.dispose();
  await pool?.drain();
  killAllQemuNow();
  return results;
}

/**
 * failed: an expectation did not hold, an awaited interrupt never came, or
 * QEMU died during the case (a crash or abort); error: anything else (a
 * setup timeout, a missing tool, a harness exception).
 */
export function classify(err: Error, evidence: Evidence | undefined): 'failed' | 'error' {
  if (evidence?.mismatches.length) return 'failed';
  if (err.name === 'AssertionError') return 'failed';
  if (err instanceof HarnessError && QEMU_FAULT_KINDS.has(err.kind)) return 'failed';
  return 'error';
}

/** Why the case cannot run on the target (reported as a skip): the suite's needs, then the case's own. */
function skipReasonFor(suite: SuiteSpec, c: CaseSpec, t: Target): string | undefined {
  if (suite.kind === 'vfio') {
    if (!t.host) return 'no host device to pass through (name one with --host-device BDF, or run in the box)';
    if (!t.build.devices.has('vfio-pci')) return `QEMU ${t.build.label} has no vfio-pci device`;
  } else if (t.device.sriovPf) return `the ${t.device.name} is an SR-IOV VF: QEMU makes it only through its PF (run it through vfio: --box-device ${t.device.name})`;
  else if (!t.build.devices.has(t.device.driver)) return `QEMU ${t.build.label} has no ${t.device.driver} device`;
  else if (t.device.notOn?.has(t.build.sha256)) return `the census of QEMU ${t.build.label} found no MSI-X on ${t.device.name}: ${t.device.notOn.get(t.build.sha256)}`;
  else if (t.device.contractOnly && !c.contract) return `no plugin makes ${t.device.name} fire: the device-independent contract only`;
  // QEMU refuses an IOMMU's interrupt remapping with the IOAPIC in the kernel: a trait of the run, not of the case.
  const dut = typeof c.dut === 'function' ? c.dut(t.device) : c.dut;
  if (dut?.iommu && t.build.accel === 'kvm-on') return `${dut.iommu}'s interrupt remapping needs kernel-irqchip=split (QEMU refuses it with the IOAPIC in the kernel)`;
  return c.skipReason?.(t);
}

async function runCase(c: CaseSpec, t: Target, ev: Evidence, opts: Pick<RunOptions, 'deliveryTimeoutMs' | 'migration'>, pool: MachinePool | undefined): Promise<void> {
  const { deliveryTimeoutMs, migration } = opts;
  const { vfioProps, ...dutOpts } = (typeof c.dut === 'function' ? c.dut(t.device) : c.dut) ?? {};
  const host = t.host;
  const dut = await startDut(t, {
    machine: t.machine,
    // Time can pass in every emulated case (timers are device behaviour), but for migrations: the halt firmware
    // that lets a build without the qtest accelerator run is not the firmware of a build with it.
    ...(!host && !c.migrates ? { runnableClock: true } : {}),
    ...dutOpts,
    ...(deliveryTimeoutMs ? { deliveryTimeoutMs } : {}),
    ...(migration ? { migrateTo: migration.to, machineVersion: migration.machineVersion } : {}),
    ...(host ? { hostDevice: { bdf: host.bdf, ...(vfioProps ? { props: vfioProps } : {}) } } : {}),
  }, c.migrates ? undefined : pool);
  try {
    const ctx: CaseContext = { dut, ev, build: t.build, device: t.device };
    if (host) {
      const view = new HostView(host, deliveryTimeoutMs, (what, ms, body) => dut.recordWait(what, ms, body));
      await (c as VfioCase).body({ ...ctx, host: view });
    } else {
      await (c as EmulatedCase).body(ctx);
    }
    ev.settle();
    if (ev.mismatches.length) dut.discard();
  } catch (e) {
    dut.discard();
    if (e instanceof NotApplicable) throw e;
    throw withDiagnostics(e, dut, ev);
  } finally {
    await dut.shutdown();
  }
}

/**
 * The device under test. Where the case asks the build for more than the
 * device (a slot that hot-plugs, SR-IOV VFs) and QEMU refuses to start with
 * an error of its own (not a crash), the case does not apply to this build:
 * a device that must sit on the root bus, a build older than its SR-IOV.
 */
async function startDut(t: Target, opts: DutOptions, pool: MachinePool | undefined): Promise<Dut> {
  try {
    return await Dut.start(t.build, t.device, opts, pool);
  } catch (e) {
    if (!(e instanceof QemuStartError) || /killed by SIG/.test(e.reason)) throw e;
    if (opts.sriov) throw new NotApplicable(`QEMU ${t.build.label} will not start the ${t.device.name} with SR-IOV VFs (${t.device.sriov?.props ?? 'no properties'}): ${e.said('first')}`);
    if (opts.hotplugSlot) throw new NotApplicable(`QEMU ${t.build.label} will not start the ${t.device.name} in a slot that hot-plugs (${hotplugSlotFor[t.machine].how}): ${e.said('first')}`);
    throw e;
  }
}

/** A failed expectation also shows the last protocol exchanges and QEMU's stderr. */
function withDiagnostics(e: unknown, dut: Dut, ev: Evidence): unknown {
  // QEMU's exit already carries its timeline and stderr.
  if (!(e instanceof Error) || (e instanceof HarnessError && e.kind === 'qemu-exited')) return e;
  // An error after soft mismatches: they are what went wrong first.
  if (e.name !== 'AssertionError' && ev.mismatches.length) e.message = `${ev.mismatches.map(describeMismatch).join('\n')}\nthen: ${e.message}`;
  const stderr = dut.stderr().trimEnd().split('\n').slice(-15).join('\n');
  e.message += `\nlast exchanges:\n${Timeline.format(dut.timeline().filter((x) => x.channel !== 'stderr').slice(-16))}`;
  if (stderr) e.message += `\nQEMU stderr (last lines):\n${stderr.replace(/^/gm, '  | ')}`;
  return e;
}
