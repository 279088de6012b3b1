/** This project's suites, handed to the CLI (bin/msix-harness.ts). */
import type { SuiteSpec } from '../harness/case/index.js';
import { emulatedSuite } from './emulated/msix-core-rules.js';
import { vfioSuite } from './vfio/host-tracks-guest.js';

export const suites: readonly SuiteSpec[] = [emulatedSuite, vfioSuite];
