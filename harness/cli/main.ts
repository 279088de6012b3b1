/**
 * msix-harness: the command line. One file per command; this one wires them
 * and maps errors to exit codes. The suites are handed in (bin/msix-harness.ts).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ACCEL_CHOICES, IRQCHIP_CHOICES, runAccels } from '../runner/run-accel.js';
import { parseDuration } from '../cache/cache-inventory.js';
import { EnvironmentError } from '../errors.js';
import type { MachineType } from '../qemu/machine.js';
import type { SuiteSpec } from '../case/case.js';
import { ExitCode } from './exit-codes.js';
import { boxDevicePlugins, emulatedDevicePlugins } from '../devices/index.js';
import { boxCommand } from './box-command.js';
import { cacheListCommand, cachePruneCommand } from './cache-command.js';
import { inspectCommand } from './inspect-command.js';
import { bisectCommand } from './bisect-command.js';
import { compareCommand } from './compare-command.js';
import { mergeCommand } from './merge-command.js';
import { restoreCommand, restoreLeftovers } from './restore-command.js';
import { runCommand } from './run-command.js';
import { pairFormats, REPORT_FORMATS } from '../report/format-reporters.js';
import { cleanUpOnSignals } from './signals.js';
import { toolVersion } from '../results/tool-version.js';

const REPORTER_HELP = `report format (${REPORT_FORMATS.join(', ')}; default spec); repeatable, each with its --out: --reporter junit --out a.xml --reporter html --out b.html`;
const OUT_HELP = 'write the report of the --reporter before it to this file (default: standard output)';

/** --reporter: one of the formats, collected. */
function reporterFormat(v: string, prev: string[]): string[] {
  if (!(REPORT_FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError(`use one of ${REPORT_FORMATS.join(', ')}`);
  return [...prev, v];
}

/** The devices the box models itself (a VF is made on one of them). */
const BOX_HARDWARE = boxDevicePlugins.filter((p) => p.box).map((p) => p.name);
/** Every device the box can pass through, for help texts, from the plugins. */
const BOX_DEVICE_NAMES = boxDevicePlugins.map((p) => (p.sriovPf ? `${p.name}: a VF made on the ${p.sriovPf}` : p.name)).join(', ');
const BOX_DEVICE_HELP = `vfio suite in the box: the devices passed through there, comma-separated (${BOX_DEVICE_NAMES}; default e1000e)`;

const duration = (v: string) => {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};
const wholeNumber = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`"${v}" is not a whole number`);
  return Number(v);
};
const collect = (v: string, prev: string[]) => [...prev, v];
const commaList = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((x) => x.trim()).filter(Boolean)];
const seedNumber = (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InvalidArgumentError(`"${v}" is not a seed: give a whole number from 0 to 4294967295`);
  return Number(v);
};
const MACHINE_TYPES: readonly MachineType[] = ['q35', 'pc'];
const machineList = (v: string, prev: MachineType[] = []): MachineType[] => {
  const named = commaList(v);
  const bad = named.find((m) => !(MACHINE_TYPES as readonly string[]).includes(m));
  if (bad) throw new InvalidArgumentError(`no machine type "${bad}": use ${MACHINE_TYPES.join(', ')} (comma-separated for both)`);
  return [...new Set([...prev, ...(named as MachineType[])])];
};
const ACCEL_HELP = 'accelerator each build runs under: tcg (the qtest accelerator, or TCG with the CPUs stopped), kvm (run in the box, which loads KVM, for the vfio suite without --host-device and for the emulated suite; with --host-device here, where /dev/kvm must open), or both (each build twice, a column each)';
const IRQCHIP_HELP = "with --accel kvm or both: QEMU's kernel-irqchip, split (IOAPIC in QEMU), on (all in the kernel) or both";
const QEMU_HELP = 'QEMU build: a path, debian:bookworm, debian:bookworm-backports, seed:released or seed:reverted (repeatable; default $QEMU_BINARY or qemu-system-x86_64 on PATH)';
const QEMU_SRC_HELP = 'a QEMU source tree to build (x86_64-softmmu only, in the build-msix-harness folder of the tree, incremental, ccache when present; log kept under the cache) and use (repeatable)';
const BUILD_HELP = 'with --qemu-src: your own build command, run with sh in the tree, instead of configure + ninja';
const LIVE_HELP = 'also show progress and each result on a live page in the browser (127.0.0.1, a random token in its URL)';
const HOST_DEVICE_HELP = 'vfio suite: the host device to pass through; bound to vfio-pci for the run and put back after, if it is not on vfio-pci already (default: run in the box)';

export async function runCli(argv: readonly string[], suites: readonly SuiteSpec[]): Promise<number> {
  cleanUpOnSignals();
  // A run killed before it could put its device back left a journal entry: put it back first.
  if (!argv.slice(2).includes('restore')) restoreLeftovers();
  let exit: number = ExitCode.OK;
  const program = new Command()
    .name('msix-harness')
    .description('MSI-X regression harness for QEMU: drives the guest over qtest, talks QMP, compares views')
    .version(toolVersion())
    .exitOverride()
    .showHelpAfterError();
  program
    .command('run')
    .description('run a suite on one or more QEMU builds')
    .addOption(new Option('--suite <name>', 'suite to run').default('emulated'))
    .option('--qemu <build>', QEMU_HELP, collect, [])
    .option('--qemu-src <dir>', QEMU_SRC_HELP, collect, [])
    .option('--build <cmd>', BUILD_HELP)
    .option('--device <name,...>', `device plugins to use (repeatable or comma-separated; default every plugin's: ${emulatedDevicePlugins.map((p) => p.name).join(', ')}); all: every MSI-X device the builds offer, found from each build, those without a plugin on the device-independent contract`, commaList, [])
    .option('--reporter <format>', REPORTER_HELP, reporterFormat, [])
    .option('--strict', 'known QEMU bugs (xfail) fail the run too')
    .option('--out <file>', OUT_HELP, collect, [])
    .option('--grep <pattern>', 'only cases whose id or title matches this regular expression')
    .option('--host-device <bdf>', HOST_DEVICE_HELP)
    .option('--force', 'bind the --host-device even when the host uses it (mounted filesystem, up network interface)')
    .option('--kernel <series,...>', 'vfio suite in the box: kernel series to boot, comma-separated (any series Debian ships: 6.1, 6.12, 6.16 ... 7.3, or newest; default 6.12)', commaList)
    .option('--box-device <name,...>', BOX_DEVICE_HELP, commaList)
    .option('--shard <i/n>', 'run only shard i of n of the case x build x kernel combinations (join the JSON reports with merge)')
    .option('--machine <type,...>', 'machine types the cases run on, each a target of its own, comma-separated: q35 (PCI Express, the default), pc (i440FX, conventional PCI); ids of cases on pc end @pc', machineList)
    .option('--live', LIVE_HELP)
    .option('--fresh-qemu', 'start a QEMU of its own for every case (by default a vfio case whose QEMU holds only its device gets a kept QEMU, the device hot-plugged)')
    .option('--shuffle <seed>', "run each target's cases in an order this seed gives (a whole number), to show no case depends on an earlier one; the same seed gives the same order", seedNumber)
    .addOption(new Option('--accel <which>', ACCEL_HELP).choices(ACCEL_CHOICES).default('tcg'))
    .addOption(new Option('--irqchip <which>', IRQCHIP_HELP).choices(IRQCHIP_CHOICES).default('split'))
    .action(async (o: { freshQemu?: boolean; shuffle?: number; suite: string; qemu: string[]; qemuSrc: string[]; build?: string; device: string[]; reporter: string[]; out: string[]; grep?: string; hostDevice?: string; force?: boolean; kernel?: string[]; boxDevice?: string[]; shard?: string; strict?: boolean; live?: boolean; machine?: MachineType[]; accel: (typeof ACCEL_CHOICES)[number]; irqchip: (typeof IRQCHIP_CHOICES)[number] }) => {
      exit = await runCommand({ ...o, accels: runAccels(o.accel, o.irqchip), formats: pairFormats(o.reporter, o.out) }, suites);
    });
  program
    .command('compare')
    .description('run suites on every build x kernel and print the comparison matrix; with --baseline, a gate')
    .option('--qemu <build>', QEMU_HELP, collect, [])
    .option('--qemu-src <dir>', QEMU_SRC_HELP, collect, [])
    .option('--build <cmd>', BUILD_HELP)
    .option('--suite <name,...>', 'suites, comma-separated (emulated, vfio)', commaList)
    .option('--kernel <series,...>', 'box kernels for the vfio suite, comma-separated (any series Debian ships: 6.1, 6.12 ... 7.3, or newest; default 6.12)', commaList)
    .option('--box-device <name,...>', BOX_DEVICE_HELP, commaList)
    .option('--device <name,...>', 'device plugins for emulated suites (repeatable or comma-separated; default all)', commaList, [])
    .option('--grep <pattern>', 'only cases whose id or title matches this regular expression')
    .option('--host-device <bdf>', HOST_DEVICE_HELP)
    .option('--force', 'bind the --host-device even when the host uses it')
    .option('--baseline <build>', 'one of the --qemu builds: exit 1 when another build fails a case the baseline passes')
    .option('--expect-fixed <case...>', 'cases (id or slug) that must fail on the baseline and pass on the other builds (backport check)')
    .option('--shard <i/n>', 'run only shard i of n of the combinations')
    .option('--reporter <format>', REPORTER_HELP, reporterFormat, [])
    .option('--strict', 'known QEMU bugs (xfail) fail the run too')
    .option('--out <file>', `${OUT_HELP}; the matrix still goes to standard output`, collect, [])
    .option('--migrate', "the migration matrix instead: MSI-X state saved on each --qemu build and loaded on each (emulated devices, --device, default every plugin's device QEMU can migrate), on versioned machine types both have; forward and same-build pairs must pass")
    .addOption(new Option('--machine-types <which>', "with --migrate: the versioned machine types each pair migrates on: releases (those named after either build's release, q35 and i440fx) or all (every one both share)").choices(['releases', 'all']))
    .option('--layout', "the layout comparison instead: every MSI-X device of the builds, on every versioned machine type two or more share (pc-q35-X.Y, pc-i440fx-X.Y), must show the guest the same config header, capability chain, BARs and MSI-X table and PBA as the release the type is named after (else the oldest build); cached per build")
    .option('--live', LIVE_HELP)
    .addOption(new Option('--accel <which>', ACCEL_HELP).choices(ACCEL_CHOICES).default('tcg'))
    .addOption(new Option('--irqchip <which>', IRQCHIP_HELP).choices(IRQCHIP_CHOICES).default('split'))
    .action(async (o: { qemu: string[]; qemuSrc: string[]; build?: string; suite?: string[]; kernel?: string[]; boxDevice?: string[]; device: string[]; grep?: string; hostDevice?: string; force?: boolean; baseline?: string; expectFixed?: string[]; shard?: string; reporter: string[]; out: string[]; strict?: boolean; migrate?: boolean; machineTypes?: 'releases' | 'all'; layout?: boolean; live?: boolean; accel: (typeof ACCEL_CHOICES)[number]; irqchip: (typeof IRQCHIP_CHOICES)[number] }) => {
      exit = await compareCommand({ ...o, accels: runAccels(o.accel, o.irqchip), suite: o.suite?.length ? o.suite : ['vfio'], formats: pairFormats(o.reporter, o.out) }, suites);
    });
  program
    .command('bisect')
    .description('find the commit that broke a case (or, with --find-fix, the one that fixed it): git bisect run with a build and the case at each step (build failure or error = skip)')
    .requiredOption('--src <dir>', 'QEMU git tree (clean; its HEAD is restored afterwards)')
    .requiredOption('--good <ref>', 'a commit where the case holds (with --find-fix: the newer, fixed one)')
    .requiredOption('--bad <ref>', 'a commit where it fails (with --find-fix: the older, broken one)')
    .option('--find-fix', 'find the first commit where the case starts to pass: the fix to backport')
    .requiredOption('--case <id>', 'the case id, e.g. vfio.e1000e.seed-enable-all-masked')
    .option('--build <cmd>', BUILD_HELP)
    .option('--kernel <series>', 'box kernel for vfio cases (a series such as 6.12 or 7.3, or newest)', '6.12')
    .option('--log <file>', 'the step log (JSON lines; default under the cache)')
    .option('--live', LIVE_HELP)
    .addOption(new Option('--accel <which>', 'the accelerator each step runs the case under: tcg, or kvm (the box loads it for vfio cases)').choices(['tcg', 'kvm']).default('tcg'))
    .addOption(new Option('--irqchip <which>', 'with --accel kvm: kernel-irqchip split or on').choices(['split', 'on']).default('split'))
    .action(async (o: { src: string; good: string; bad: string; case: string; build?: string; kernel: string; log?: string; findFix?: boolean; live?: boolean; accel: 'tcg' | 'kvm'; irqchip: 'split' | 'on' }) => {
      exit = await bisectCommand({ suites, src: o.src, good: o.good, bad: o.bad, caseId: o.case, kernel: o.kernel, accel: runAccels(o.accel, o.irqchip)[0]!, ...(o.build ? { build: o.build } : {}), ...(o.log ? { log: o.log } : {}), ...(o.findFix ? { findFix: true } : {}), ...(o.live ? { live: true } : {}) });
    });
  program
    .command('merge')
    .description('join JSON reports (shards, separate runs) into one report with the comparison matrix')
    .argument('<reports...>', 'JSON reports written with --reporter json')
    .option('--reporter <format>', REPORTER_HELP, reporterFormat, [])
    .option('--strict', 'known QEMU bugs (xfail) fail the run too')
    .option('--out <file>', OUT_HELP, collect, [])
    .action(async (files: string[], o: { reporter: string[]; out: string[]; strict?: boolean }) => {
      exit = await mergeCommand(files, { formats: pairFormats(o.reporter, o.out), ...(o.strict ? { strict: true } : {}) });
    });
  program
    .command('inspect')
    .description('drive one device by hand from a page in the browser (127.0.0.1 only, a random token in its URL): the guest MSI-X capability, table, PBA and deliveries, QEMU trace events and a timeline, live; for a device passed through (--box, --host-device), the host side too (physical Enable and Function Mask, msi_irqs, the vfio lines and their counts)')
    .option('--qemu <build>', QEMU_HELP, collect, [])
    .addOption(new Option('--device <name>', `device plugin: the emulated device (${emulatedDevicePlugins.map((p) => p.name).join(', ')}), or with --box the box device (${BOX_DEVICE_NAMES})`).default('e1000e'))
    .option('--box', 'pass the device through inside the box (nested vfio host: no hardware, no root needed); the page is forwarded to 127.0.0.1 here')
    .option('--kernel <series>', 'with --box: the box kernel series (6.1, 6.12, 6.16 ... 7.3, or newest)', '6.12')
    .option('--host-device <bdf>', 'pass this host device through with vfio-pci instead (bound for the session and put back after, if it is not on vfio-pci already); its plugin is found from its IDs')
    .option('--force', 'bind the --host-device even when the host uses it (mounted filesystem, up network interface)')
    .option('--port <n>', 'port (default: a free one)', wholeNumber)
    .addOption(new Option('--accel <which>', 'the accelerator the QEMU runs under: tcg, or kvm (with --box the box loads it; else /dev/kvm)').choices(['tcg', 'kvm']).default('tcg'))
    .addOption(new Option('--irqchip <which>', 'with --accel kvm: kernel-irqchip split or on').choices(['split', 'on']).default('split'))
    .action(async (o: { qemu: string[]; device: string; port?: number; box?: boolean; kernel: string; hostDevice?: string; force?: boolean; accel: 'tcg' | 'kvm'; irqchip: 'split' | 'on' }) => {
      exit = await inspectCommand(o);
    });
  const cache = program.command('cache').description(`what the cache holds (${'$'}MSIX_HARNESS_CACHE, else ~/.cache/msix-harness): each build, kernel, initramfs, tool and source build, with size, last use and the runs using it`);
  cache
    .command('list', { isDefault: true })
    .description('list the cache entries')
    .action(async () => {
      exit = await cacheListCommand();
    });
  cache
    .command('prune')
    .description('remove entries no longer needed (an entry meeting every rule given; never one a running msix-harness uses; unfinished leftovers of killed runs always)')
    .option('--older-than <duration>', 'entries not used for this long (30d, 12h, 2w)', duration)
    .option('--keep-newest <n>', 'keep the n most recently used versions of each thing (each Debian suite, kernel series, tool)', wholeNumber)
    .option('--dry-run', 'only say what would be removed')
    .action(async (o: { olderThan?: number; keepNewest?: number; dryRun?: boolean }) => {
      exit = await cachePruneCommand({ ...(o.olderThan !== undefined ? { olderThanMs: o.olderThan } : {}), ...(o.keepNewest !== undefined ? { keepNewest: o.keepNewest } : {}) }, o.dryRun ?? false);
    });
  program
    .command('restore')
    .description('put back devices that a killed or crashed run left on vfio-pci (from the binding journal in /run/msix-harness; every start does this too)')
    .action(() => {
      exit = restoreCommand();
    });
  program
    .command('box')
    .description('boot a nested vfio host (real Debian kernel under TCG, the device bound to vfio-pci) and run a command in it')
    .option('--kernel <series>', 'kernel series (6.1, 6.12, 6.16 ... 7.3, or newest)', '6.12')
    .addOption(new Option('--device <name>', 'emulated device bound to vfio-pci inside').choices(BOX_HARDWARE).default('e1000e'))
    .option('--forward-port <n>', 'forward 127.0.0.1:N here to the same port in the box (its NIC, 10.0.2.15; the box reaches nothing else)', wholeNumber)
    .option('--host-driver', `leave the device on its own Linux driver (${BOX_HARDWARE.join(', ')}) instead of vfio-pci, e.g. to try \`run --host-device\``)
    .option('--append <arg>', 'another kernel command-line argument (repeatable), e.g. a kernel option to try', collect, [])
    .option('--kvm', 'load KVM in the box (kvm_amd: the outer TCG CPU offers SVM), so QEMU there can run with -accel kvm')
    .argument('<command...>', 'the command, after --')
    .action(async (command: string[], o: { kernel: string; device: string; hostDriver?: boolean; append: string[]; forwardPort?: number; kvm?: boolean }) => {
      exit = await boxCommand({ ...o, command });
    });
  try {
    await program.parseAsync([...argv]);
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    if (e instanceof EnvironmentError) {
      process.stderr.write(`msix-harness: ${e.message}\n`);
      return ExitCode.USAGE;
    }
    process.stderr.write(`msix-harness: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return ExitCode.USAGE;
  }
}
