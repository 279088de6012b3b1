/**
 * How a QEMU binary is started. A build made for this machine's Debian
 * release runs with the machine's libraries; a newer one (say sid's, built
 * against a newer glibc) runs through the dynamic loader of its own library
 * closure, so the machine's libraries are never mixed in.
 */
export type Launch =
  | { readonly libraries: 'system' }
  | {
      readonly libraries: 'own';
      /** The closure's ld-linux-x86-64.so.2. */
      readonly loader: string;
      /** The closure's library folders, searched before nothing else. */
      readonly libraryPath: readonly string[];
      /** Whether the loader takes --argv0 (glibc 2.33 and later; bullseye's 2.31 does not): asked of the loader itself. */
      readonly argv0: boolean;
    };

export const SYSTEM_LIBRARIES: Launch = { libraries: 'system' };

/**
 * How the harness runs a binary: the qtest accelerator, TCG with the CPUs
 * never started, or KVM (a run's choice, --accel kvm, where /dev/kvm works)
 * with its local APIC in the kernel: split (IOAPIC and PIC in QEMU) or on
 * (all in the kernel). Under KVM the vCPU runs the interrupt-counting
 * firmware.
 */
export type AccelMode = 'qtest' | 'tcg-stopped' | KvmMode;
export type KvmMode = 'kvm-split' | 'kvm-on';
export const KVM_MODES: readonly KvmMode[] = ['kvm-split', 'kvm-on'];

export function isKvm(accel: string): accel is KvmMode {
  return (KVM_MODES as readonly string[]).includes(accel);
}

/** QEMU's kernel-irqchip value of a KVM mode. */
export const irqchipOf = (mode: KvmMode): 'split' | 'on' => (mode === 'kvm-split' ? 'split' : 'on');

/** For labels and reports: "KVM, kernel-irqchip=split". */
export function describeAccel(accel: AccelMode): string {
  if (accel === 'qtest') return 'qtest';
  if (accel === 'tcg-stopped') return 'tcg, stopped';
  return `KVM, kernel-irqchip=${irqchipOf(accel)}`;
}

/** A binary (a probed build) run under KVM instead: its label says so, so every report and matrix column tells the two apart. */
export function underKvm<B extends QemuBinary>(b: B, mode: KvmMode): B {
  return { ...b, accel: mode, label: `${b.label} [${describeAccel(mode)}]` };
}

/** What the machine layer needs to start a QEMU: the binary, how to run it, its data. (A probed build is one of these.) */
export interface QemuBinary {
  /** Short human name, e.g. "10.0.2 (debian:bookworm-backports)". */
  readonly label: string;
  readonly binary: string;
  readonly dataDirs: readonly string[];
  /** Extra environment for the binary (an unpacked build's module folder). */
  readonly env: Readonly<Record<string, string>>;
  /** With the machine's libraries, or its own (a Debian build newer than the machine). */
  readonly launch: Launch;
  readonly accel: AccelMode;
}

/** The program to execute and its arguments, for `binary args...` started as `launch` says. */
export function launchCommand(binary: string, launch: Launch, args: readonly string[]): { file: string; args: string[] } {
  if (launch.libraries === 'system') return { file: binary, args: [...args] };
  // --argv0 keeps QEMU's own name in its messages; an older loader passes the program's path as argv[0] anyway.
  return { file: launch.loader, args: ['--library-path', launch.libraryPath.join(':'), ...(launch.argv0 ? ['--argv0', binary] : []), binary, ...args] };
}

/** For reports: "system libraries" or "own libraries (loader)". */
export function describeLaunch(launch: Launch): string {
  return launch.libraries === 'system' ? 'system libraries' : `own libraries (${launch.loader})`;
}
