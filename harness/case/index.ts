/**
 * The case API: everything a suite may use, and the only module suites
 * import. Case declarations, the device under test, evidence, the host view,
 * and the shared constants cases record (symptom labels, expectations).
 */
export type { CaseContext, CaseDut, CaseSpec, EmulatedCase, SuiteSpec, Target, VfioCase, VfioCaseContext } from './case.js';
export { NotApplicable, needsKvm } from './case.js';
export { NotHotpluggableError } from '../errors.js';
export type { VariantOutcome } from './dut-variant.js';
export type { BeyondTableAnswer } from '../devices/device-plugin.js';
export { Dut, MSI_SLOT } from './dut.js';
export type { SriovUnderTest, VfBarsAt, VfUnderTest } from './dut-sriov.js';
export type { Evidence } from './evidence.js';
export type { HostDeviceFacts, HostView } from './host-view.js';
export { SYMPTOMS } from '../expect/symptoms.js';
export { compatibilityMessage, remappableMessage } from '../iommu/intel-vtd.js';
export { AmdViControl, amdViMessage } from '../iommu/amd-vi.js';
export type { MsixMessage } from '../irq/msix.js';
export { PBA_WRITE_LOG } from '../expect/msix-core-rules.js';
