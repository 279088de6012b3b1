/**
 * Binding for real, in the nested host: the box's e1000e starts on its own
 * Linux driver, `run --host-device` binds it to vfio-pci for the run and puts
 * it back afterwards, after a refusal, and after Ctrl-C.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BOX_DEVICE_BDF, runInBox } from '../../harness/box/box.js';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { PROBED_BUILDS_ENV, serializeBuilds } from '../../harness/builds/qemu-build.js';

const MAIN = fileURLToPath(new URL('../../bin/msix-harness.js', import.meta.url));
const D = `/sys/bus/pci/devices/${BOX_DEVICE_BDF}`;

describe('vfio binding of a named device (box, device on its host driver)', function () {
  this.timeout(600_000);

  it('binds for the run and restores e1000e after success, a refusal (interface up), --force and Ctrl-C', async () => {
    const build = await resolveBuild('debian:bookworm-backports', () => undefined);
    const run = `node ${MAIN} run --suite vfio --host-device ${BOX_DEVICE_BDF} --grep seed-enable --reporter json --out /tmp/r.json`;
    const script = [
      `drv() { basename "$(readlink ${D}/driver)"; }`,
      'echo "before $(drv) override $(cat ' + D + '/driver_override)"',
      `${run}; echo "rc-ok $? $(drv) override $(cat ${D}/driver_override)"`,
      `ip link set "$(ls ${D}/net)" up`,
      `${run} 2>/tmp/err; echo "rc-refused $? $(drv)"; grep -o "is in use by the host: [^;]*" /tmp/err`,
      `${run} --force; echo "rc-forced $? $(drv)"`,
      // Ctrl-C once the harness has bound the device (and QEMU is likely running).
      `${run} & pid=$!; i=0; while [ "$(drv)" != vfio-pci ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; sleep 1; kill -INT $pid; wait $pid; echo "rc-int $? $(drv)"`,
    ].join('\n');
    const out: string[] = [];
    const r = await runInBox({ kernel: '6.12', device: 'e1000e', hostDriver: true, command: ['sh', '-c', script], env: { [PROBED_BUILDS_ENV]: serializeBuilds([build]) }, timeoutMs: 300_000, onOutput: (l) => out.push(l) });
    const text = out.join('\n');
    expect(r.exitCode, text).to.equal(0);
    expect(out, text).to.include('before e1000e override (null)');
    expect(out, text).to.include('rc-ok 0 e1000e override (null)');
    expect(out, text).to.include('rc-refused 2 e1000e');
    expect(text).to.match(/is in use by the host: network interface \S+ is up/);
    expect(out, text).to.include('rc-forced 0 e1000e');
    expect(out, text).to.include('rc-int 130 e1000e');
  });
});
