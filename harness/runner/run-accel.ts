/**
 * The accelerator axis of a run: each build runs under its own accelerator
 * (tcg: the qtest accelerator, or TCG with the CPUs stopped) and, where
 * asked, under KVM with the local APIC in the kernel, kernel-irqchip split
 * or on. A KVM run of a build is a build of its own label (underKvm), so it
 * is a column of its own wherever builds are.
 */
import fs from 'node:fs';
import type { QemuBuild } from '../builds/qemu-build.js';
import { EnvironmentError } from '../errors.js';
import { isKvm, KVM_MODES, underKvm, type KvmMode } from '../qemu/launch.js';

export type RunAccel = 'tcg' | KvmMode;
export const ACCEL_CHOICES = ['tcg', 'kvm', 'both'] as const;
export const IRQCHIP_CHOICES = ['split', 'on', 'both'] as const;

/** --accel and --irqchip as the accelerators a run has: kvm is split unless --irqchip says on or both. */
export function runAccels(accel: (typeof ACCEL_CHOICES)[number] = 'tcg', irqchip: (typeof IRQCHIP_CHOICES)[number] = 'split'): RunAccel[] {
  const kvm: KvmMode[] = irqchip === 'both' ? [...KVM_MODES] : [`kvm-${irqchip}`];
  return [...(accel !== 'kvm' ? ['tcg' as const] : []), ...(accel !== 'tcg' ? kvm : [])];
}

/** Every build once per accelerator, in that order. */
export function buildsUnder(builds: readonly QemuBuild[], accels: readonly RunAccel[] = ['tcg']): QemuBuild[] {
  const withoutKvm = accels.some((a) => a !== 'tcg') ? builds.filter((b) => b.hasKvm === false) : [];
  if (withoutKvm.length) throw new EnvironmentError(`--accel kvm: ${withoutKvm.map((b) => b.label).join(', ')} was built without KVM (its -accel help lists no kvm)`, 'use --accel tcg for it, or build it with --enable-kvm (the harness\'s own source builds have it)');
  return accels.flatMap((a) => builds.map((b) => (a === 'tcg' ? b : underKvm(b, a))));
}

/** Whether any build runs under KVM (the box then loads it). */
export const wantsKvm = (builds: readonly QemuBuild[]) => builds.some((b) => isKvm(b.accel));

/** A KVM run on this machine needs a /dev/kvm it can open. */
export function checkKvmHere(builds: readonly QemuBuild[]): void {
  if (!wantsKvm(builds)) return;
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch (e) {
    throw new EnvironmentError(`--accel kvm needs /dev/kvm here, and it cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'load kvm_intel or kvm_amd (or run as a user in the kvm group); the vfio suite in the box loads KVM there by itself');
  }
}
