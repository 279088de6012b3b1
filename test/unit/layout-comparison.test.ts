/** compare --layout's judgement: differences named field by field, the reference chosen by the machine type's release, known breaks only across their release. */
import { expect } from 'chai';
import { layoutDifferences, versionedMachineTypes, type DeviceLayout, type LayoutSurvey } from '../../harness/results/device-layout.js';
import { compareLayouts, type SurveyedBuild } from '../../harness/matrix/layout-comparison.js';
import { layoutText } from '../../harness/report/layout-text.js';

// nvme on pc-q35-5.2 as 5.2.0 shows it (recorded from bullseye's build).
const nvme52: DeviceLayout = {
  header: { vendor: 0x1b36, device: 0x10, revision: 2, classCode: 0x010802, headerType: 0, subsystemVendor: 0x1af4, subsystem: 0x1100, interruptPin: 1 },
  capabilities: ['11@40', '10@80'],
  extendedCapabilities: [],
  bars: [{ index: 0, kind: 'mem64', prefetchable: false, size: 0x4000 }],
  msix: { tableSize: 65, tableBir: 0, tableOffset: 0x2000, pbaBir: 0, pbaOffset: 0x3000 },
};
const withPm: DeviceLayout = { ...nvme52, capabilities: ['11@40', '10@80', '01@60'] };

const survey = (machineType: string, layout: DeviceLayout, device = 'nvme'): LayoutSurvey => ({ machineType, devices: [{ device, layout }] });
const build = (label: string, version: string, ...surveys: LayoutSurvey[]): SurveyedBuild => ({ label, version, surveys });

describe('compare --layout', () => {
  it('names every changed field with both values, and nothing for the same layout', () => {
    expect(layoutDifferences(nvme52, nvme52)).to.deep.equal([]);
    const moved: DeviceLayout = { ...nvme52, header: { ...nvme52.header, revision: 3 }, bars: [{ index: 0, kind: 'mem64', prefetchable: false, size: 0x8000 }, { index: 4, kind: 'mem32', prefetchable: false, size: 0x1000 }], msix: { ...nvme52.msix!, tableBir: 4, tableOffset: 0 } };
    expect(layoutDifferences(nvme52, moved)).to.deep.equal([
      { field: 'header.revision', reference: '0x2', other: '0x3' },
      { field: 'bars[0]', reference: 'mem64 0x4000', other: 'mem64 0x8000' },
      { field: 'bars[4]', reference: 'none', other: 'mem32 0x1000' },
      { field: 'msix.tableBir', reference: 0, other: 4 },
      { field: 'msix.tableOffset', reference: '0x2000', other: '0x0' },
    ]);
    expect(layoutDifferences(nvme52, { ...nvme52, msix: null })).to.deep.equal([{ field: 'msix', reference: 'present', other: 'none' }]);
  });

  it('takes the versioned machine types only, in order', () => {
    expect(versionedMachineTypes(['q35', 'pc-q35-10.0', 'pc-i440fx-2.4', 'pc-q35-9.2', 'microvm', 'pc-q35-2.4', 'none'])).to.deep.equal(['pc-i440fx-2.4', 'pc-q35-2.4', 'pc-q35-9.2', 'pc-q35-10.0']);
  });

  it('holds every build to the release the machine type is named after, where it is one of them: a difference fails', () => {
    // A made-up change on an unknown device: 7.2 is the reference for pc-q35-7.2 though 5.2 is older.
    const c = compareLayouts([build('5.2.0', '5.2.0', survey('pc-q35-7.2', nvme52, 'x')), build('7.2.22', '7.2.22', survey('pc-q35-7.2', withPm, 'x')), build('10.0.13', '10.0.13', survey('pc-q35-7.2', withPm, 'x'))]);
    expect(c.rows).to.have.length(1);
    expect(c.rows[0]!.reference).to.equal('7.2.22');
    expect(c.rows[0]!.cells.get('10.0.13')).to.deep.equal({ kind: 'same' });
    expect(c.rows[0]!.cells.get('5.2.0')).to.include({ kind: 'differs' });
    expect(c.failures).to.equal(1);
    expect(layoutText(c)).to.match(/x, 7\.2\.22 -> 5\.2\.0: capabilities 11@40 10@80 01@60 -> 11@40 10@80 \[FAIL\], on pc-q35-7\.2/);
  });

  it('a known layout break explains a difference only between builds on either side of its release', () => {
    const across = compareLayouts([build('5.2.0', '5.2.0', survey('pc-q35-5.2', nvme52)), build('7.2.22', '7.2.22', survey('pc-q35-5.2', withPm))]);
    expect(across.failures).to.equal(0);
    expect(across.known).to.equal(1);
    expect(layoutText(across)).to.match(/known layout break nvme-pm-capability.*1e9c685ec7/);
    // The same change between two builds both past 7.1 is no known break: it fails.
    const after = compareLayouts([build('7.2.22', '7.2.22', survey('pc-q35-7.2', withPm)), build('10.0.13', '10.0.13', survey('pc-q35-7.2', nvme52))]);
    expect(after.failures).to.equal(1);
    // A device on one build only is not compared.
    expect(compareLayouts([build('a', '7.2.22', survey('pc-q35-7.2', nvme52)), build('b', '10.0.13', survey('pc-q35-7.2', nvme52, 'other'))]).rows).to.deep.equal([]);
  });
});
