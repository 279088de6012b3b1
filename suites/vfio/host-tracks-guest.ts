/**
 * MSI-X on a passed-through device (vfio-pci): what the guest programs
 * against what the host kernel did to the physical device. Runs the same on
 * bare metal (--host-device BDF) and in the nested host (the box). The cases
 * live by catalog group beside this file; this module is the suite (the run
 * in the box loads it by its URL).
 */
import type { SuiteSpec, VfioCase } from '../../harness/case/index.js';
import { disableAndResetCases } from './disable-and-reset.js';
import { enableCases } from './enable.js';
import { pendingAndDeliveryCases } from './pending-and-delivery.js';
import { tableCases } from './table.js';
import { kvmPathCases } from './kvm-path.js';

/** In the order reports have always listed them. */
const ORDER = [
  'seed-enable-all-masked',
  'delivery-counts',
  'masked-fire-pends',
  'masked-fire-second-pba-dword',
  'function-mask-pends',
  'first-unmask-high-vector',
  'enable-with-function-mask',
  'counts-across-later-unmask',
  'no-lost-interrupt-while-adding',
  'address-data-update',
  'disable-releases-all',
  'disable-without-vectors',
  'msi-msix-switching',
  'system-reset-live-vectors',
  'flr-live-vectors',
  'relocation-to-free-bar',
  'table-isolation',
  'qemu-killed-mid-case',
  'kvm-masked-vector-userspace-fd',
  'kvm-enable-dummy-no-route',
  'kvm-route-taken-at-unmask',
  'kvm-intx-back-through-irqfd',
];
const bySlug = new Map([...enableCases, ...pendingAndDeliveryCases, ...disableAndResetCases, ...tableCases, ...kvmPathCases].map((c) => [c.slug, c]));
if (bySlug.size !== ORDER.length || ORDER.some((slug) => !bySlug.has(slug))) throw new Error('suites/vfio: ORDER must name every case of the group files once');
const cases: VfioCase[] = ORDER.map((slug) => bySlug.get(slug)!);

export const vfioSuite: SuiteSpec = { name: 'vfio', kind: 'vfio', module: import.meta.url, cases };
