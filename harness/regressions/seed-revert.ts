/**
 * The regression the suite was founded on, as a pair of builds: Debian's
 * QEMU 7.2 as released, and the same tree with QEMU commit b0223e29af
 * ("vfio-pci: Make host MSI-X enable track guest", 2013) reverted. With the
 * revert, a guest that enables MSI-X with every vector masked sees Enable=1
 * while the host device stays Enable- (vfio_msix_enable() no longer uses and
 * releases a dummy vector 0). The suite must tell the two apart.
 */
import { compileDebianSource, type BuiltQemu } from '../builds/debian-source-build.js';
import type { DebianSource } from '../debian/debian-source.js';
import type { Progress } from '../debian/unpacked-packages.js';
import type { SpecKind } from '../builds/build-spec.js';
import { EnvironmentError } from '../errors.js';
import { patchedTree } from './patched-tree.js';

export const SEED_COMMIT = 'b0223e29af';
const PCI_C = 'hw/vfio/pci.c';

/**
 * The dummy vector 0 of vfio_msix_enable(), as QEMU 7.2 has it: the `else`
 * branch taken when the guest enabled MSI-X with no vector in use.
 */
const DUMMY_VECTOR_RE =
  /\n {4}\} else \{\n {8}\/\*\n {9}\* Some communication channels between VF & PF or PF & fw rely on the\n[\s\S]*?\*\/\n {8}vfio_msix_vector_do_use\(&vdev->pdev, 0, NULL, NULL\);\n {8}vfio_msix_vector_release\(&vdev->pdev, 0\);\n {4}\}\n/g;

/**
 * hw/vfio/pci.c with b0223e29af reverted: the dummy use/release of vector 0
 * removed from vfio_msix_enable(). Throws unless the expected text is found
 * exactly once, inside that function, so a changed source fails loudly.
 */
export function revertDummyVector(pciC: string): string {
  const start = pciC.indexOf('\nstatic void vfio_msix_enable(VFIOPCIDevice *vdev)\n{\n');
  if (start < 0) throw new Error(`${PCI_C}: vfio_msix_enable() not found; the source changed, update the ${SEED_COMMIT} revert`);
  const end = pciC.indexOf('\n}\n', start);
  const matches = [...pciC.matchAll(DUMMY_VECTOR_RE)];
  if (matches.length !== 1) {
    throw new Error(`${PCI_C}: expected the dummy vector 0 use/release of ${SEED_COMMIT} once, found it ${matches.length} times; the source changed, update the revert`);
  }
  const at = matches[0]!.index!;
  if (at < start || at > end) throw new Error(`${PCI_C}: the dummy vector 0 use/release is not inside vfio_msix_enable(); update the ${SEED_COMMIT} revert`);
  const replacement = `\n    }\n    /* msix-harness: ${SEED_COMMIT} reverted, no dummy vector 0: host MSI-X stays off until a vector is used. */\n`;
  return pciC.slice(0, at) + replacement + pciC.slice(at + matches[0]![0].length);
}

/** A copy of `released` (hard links, no build folder) with the revert applied; made once. */
export function revertedTree(released: DebianSource, progress: Progress): Promise<string> {
  return patchedTree(released, { suffix: `revert-${SEED_COMMIT}`, file: PCI_C, apply: revertDummyVector, what: `revert ${SEED_COMMIT}` }, progress);
}

export type SeedVariant = 'released' | 'reverted';
export const SEED_VARIANTS: readonly SeedVariant[] = ['released', 'reverted'];

/**
 * One build of the seed regression, from Debian's bookworm qemu source:
 * fetched, copied, configured and built as needed (the reverted one mostly
 * from ccache when the released one was built first); when up to date this
 * takes seconds. Firmware comes from Debian's own 7.2 data packages, as
 * Debian's source tree has none.
 */
export function compileSeedRegression(variant: SeedVariant, progress: Progress): Promise<BuiltQemu> {
  return compileDebianSource('bookworm', progress, variant === 'released' ? undefined : (source) => revertedTree(source, progress));
}

/** `--qemu seed:released` and `--qemu seed:reverted`. */
export const seedSpec: SpecKind = {
  prefix: 'seed',
  usage: 'seed:released or seed:reverted',
  resolve(variant, progress) {
    if (!(SEED_VARIANTS as readonly string[]).includes(variant)) throw new EnvironmentError(`unknown seed build "seed:${variant}"`, `use ${SEED_VARIANTS.map((v) => `seed:${v}`).join(' or ')}`);
    return compileSeedRegression(variant as SeedVariant, progress);
  },
};
