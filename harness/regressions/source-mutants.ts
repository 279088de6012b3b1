/**
 * QEMU builds with a bug put in on purpose, for proving that a case can
 * fail where no released build has the bug: Debian's bookworm QEMU 7.2
 * source with one change, built as `--qemu mutant:<name>`. Each mutant says
 * which function it changes and fails loudly where the source differs.
 */
import { compileDebianSource, type BuiltQemu } from '../builds/debian-source-build.js';
import type { SpecKind } from '../builds/build-spec.js';
import type { Progress } from '../debian/unpacked-packages.js';
import { EnvironmentError } from '../errors.js';
import { patchedTree } from './patched-tree.js';

interface Mutant {
  readonly title: string;
  readonly file: string;
  /** The function the change is in (its definition line), and the text replaced there, once. */
  readonly inFunction: string;
  readonly from: string;
  readonly to: string;
}

export const MUTANTS = {
  'kvm-masked-irqfd': {
    title: 'a masked vfio MSI-X vector keeps its KVM irqfd route (vfio_msix_vector_release no longer switches the host vector to QEMU\'s own eventfd): a masked vector delivers, nothing pends (C3)',
    file: 'hw/vfio/pci.c',
    inFunction: 'static void vfio_msix_vector_release(PCIDevice *pdev, unsigned int nr)\n{',
    from: '    if (vector->virq >= 0) {',
    to: '    if (0 /* msix-harness mutant kvm-masked-irqfd */ && vector->virq >= 0) {',
  },
} as const satisfies Record<string, Mutant>;

export type MutantName = keyof typeof MUTANTS;

/** The mutated text; throws unless the replaced text is found once inside the function. */
export function mutate(name: MutantName, text: string): string {
  const m: Mutant = MUTANTS[name];
  const start = text.indexOf(`\n${m.inFunction}\n`);
  if (start < 0) throw new Error(`${m.file}: ${m.inFunction.split('\n')[0]} not found; the source changed, update mutant ${name}`);
  const end = text.indexOf('\n}\n', start);
  const at = text.indexOf(m.from, start);
  const again = at < 0 ? -1 : text.indexOf(m.from, at + 1);
  if (at < 0 || at > end || (again >= 0 && again < end)) throw new Error(`${m.file}: "${m.from.trim()}" is not in ${m.inFunction.split('\n')[0]} exactly once; update mutant ${name}`);
  return text.slice(0, at) + m.to + text.slice(at + m.from.length);
}

export function compileMutant(name: MutantName, progress: Progress): Promise<BuiltQemu> {
  const m: Mutant = MUTANTS[name];
  return compileDebianSource('bookworm', progress, (source) => patchedTree(source, { suffix: `mutant-${name}`, file: m.file, apply: (t) => mutate(name, t), what: `mutant ${name}` }, progress));
}

/** `--qemu mutant:<name>`. */
export const mutantSpec: SpecKind = {
  prefix: 'mutant',
  usage: `mutant:${Object.keys(MUTANTS).join(' or mutant:')}`,
  resolve(name, progress) {
    if (!(name in MUTANTS)) throw new EnvironmentError(`no mutant "${name}"`, `use ${Object.keys(MUTANTS).map((n) => `mutant:${n}`).join(', ')}`);
    return compileMutant(name as MutantName, progress);
  },
};
