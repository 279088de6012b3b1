/**
 * Behaviour epochs of a QEMU build: changes that are not bugs (the C1 dummy
 * vector vs C12's invalid fd, per-vector allocation, PBA-write logging,
 * qword table access), each detected from the build and recorded with its
 * source. In order: the build itself (a string only builds with the change
 * carry), git ancestry of the upstream commit for source trees with
 * upstream history, and the version only for release versions (never for
 * x.y.50 development or x.y.9z release-candidate builds). Otherwise the
 * trait is unknown: cases record the observation and do not assert it.
 */
import { execa } from 'execa';
import type { QmpVersion } from '../protocol/qmp-client.js';
import { atLeast } from './qemu-version.js';

export interface TraitSpec {
  readonly title: string;
  /** The upstream commit that brought the change, where recorded (git ancestry needs it). */
  readonly commit?: string;
  /** The first release with it. */
  readonly release: string;
  /** A string that only builds with the change carry, and what it is. */
  readonly marker?: { readonly text: string; readonly what: string };
}

export const TRAITS = {
  invalidFdEnable: {
    title: 'MSI-X enable with every vector masked uses an invalid fd, no dummy vector 0 (C12, not C1): no vfio-msix[0] line',
    commit: '5ebffa4e87',
    release: '8.2.0',
    // The same series (dynamic MSI-X allocation) taught vfio_msix_early_setup's trace to print NORESIZE.
    marker: { text: 'entries %d, noresize %d', what: "vfio_msix_early_setup's trace format prints noresize" },
  },
  perVectorAllocation: {
    title: 'host vectors allocated one at a time where the host allows it (C12)',
    commit: 'd9e6710d7d',
    release: '8.2.0',
    marker: { text: 'entries %d, noresize %d', what: "vfio_msix_early_setup's trace format prints noresize" },
  },
  pbaWriteLogged: {
    title: 'a guest write to the PBA is logged as a guest error',
    release: '10.0.0',
    marker: { text: 'attempt to write to MSI-X PBA', what: 'the guest-error message for PBA writes' },
  },
  qwordTableAccess: {
    title: '8-byte accesses to the MSI-X table are accepted',
    release: '5.1.0',
  },
} as const satisfies Record<string, TraitSpec>;

export type TraitId = keyof typeof TRAITS;
export type TraitValue = boolean | 'unknown';

export interface Trait {
  readonly value: TraitValue;
  /** Where the value came from, for the report: "binary: ...", "git: ...", "release 10.0.2", or why unknown. */
  readonly source: string;
}

export type Traits = Readonly<Record<TraitId, Trait>>;

/** A version QEMU reports for a release (not x.y.50 master, not x.y.9z release candidates). */
export function isReleaseVersion(v: Pick<QmpVersion, 'micro'>): boolean {
  return v.micro < 50;
}

export interface TraitInputs {
  /** The binary's bytes (strings are searched in it). */
  readonly binary?: Buffer;
  /** A source tree with git history, for ancestry. */
  readonly gitTree?: string;
  readonly version: Pick<QmpVersion, 'major' | 'minor' | 'micro'>;
}

export async function detectTraits(inputs: TraitInputs): Promise<Traits> {
  const out = {} as Record<TraitId, Trait>;
  for (const id of Object.keys(TRAITS) as TraitId[]) out[id] = await detectTrait(TRAITS[id], inputs);
  return out;
}

export async function detectTrait(spec: TraitSpec, inputs: TraitInputs): Promise<Trait> {
  if (spec.marker && inputs.binary && inputs.binary.includes(spec.marker.text)) return { value: true, source: `binary: ${spec.marker.what}` };
  if (inputs.gitTree && spec.commit) {
    const r = await commitIsAncestor(inputs.gitTree, spec.commit);
    if (r !== undefined) return { value: r, source: `git: ${spec.commit} is ${r ? '' : 'not '}an ancestor of HEAD` };
  }
  // A marker that is absent only says no where the build could have printed it; fall through to the version.
  const v = inputs.version;
  const text = `${v.major}.${v.minor}.${v.micro}`;
  if (isReleaseVersion(v)) return { value: atLeast(v, spec.release), source: `release ${text} (the change is in ${spec.release} on)` };
  return { value: 'unknown', source: `${text} is a development or release-candidate version, and neither the binary nor git history tells` };
}

/** Whether `commit` is an ancestor of HEAD in `tree`; undefined when the tree has no such commit (no upstream history). */
export async function commitIsAncestor(tree: string, commit: string): Promise<boolean | undefined> {
  const known = await execa('git', ['-C', tree, 'cat-file', '-e', `${commit}^{commit}`], { reject: false, stdin: 'ignore' });
  if (known.exitCode !== 0) return undefined;
  const r = await execa('git', ['-C', tree, 'merge-base', '--is-ancestor', commit, 'HEAD'], { reject: false, stdin: 'ignore' });
  return r.exitCode === 0 ? true : r.exitCode === 1 ? false : undefined;
}
