/**
 * Binding for real, in the nested host: the box's e1000e starts on its own
 * Linux driver, `run --host-device` binds it to vfio-pci for the run and puts
 * it back afterwards, after a refusal, and after Ctrl-C; and after SIGKILL,
 * from the binding journal (by the janitor, by `restore`, by any start).
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BOX_DEVICE_BDF, runInBox } from '../../harness/box/box.js';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { PROBED_BUILDS_ENV, serializeBuilds } from '../../harness/builds/qemu-build.js';
import { boxHardwareNamed } from '../../harness/runner/box-device-under-test.js';

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
    const r = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), hostDriver: true, command: ['sh', '-c', script], env: { [PROBED_BUILDS_ENV]: serializeBuilds([build]) }, timeoutMs: 300_000, onOutput: (l) => out.push(l) });
    const text = out.join('\n');
    expect(r.exitCode, text).to.equal(0);
    expect(out, text).to.include('before e1000e override (null)');
    expect(out, text).to.include('rc-ok 0 e1000e override (null)');
    expect(out, text).to.include('rc-refused 2 e1000e');
    expect(text).to.match(/is in use by the host: network interface \S+ is up/);
    expect(out, text).to.include('rc-forced 0 e1000e');
    expect(out, text).to.include('rc-int 130 e1000e');
  });

  it('SIGKILL mid-run: the janitor puts the device back on e1000e with its override cleared within 10 s, touching nothing else; a journal left by a dead harness is restored by `restore` and by any start', async () => {
    const build = await resolveBuild('debian:bookworm-backports', () => undefined);
    const run = `node ${MAIN} run --suite vfio --host-device ${BOX_DEVICE_BDF} --grep delivery-counts --reporter json --out /tmp/r.json`;
    // What a harness leaves when it dies with its janitor gone too: the device on vfio-pci, and its journal entry (owner long dead).
    const leave = [
      `echo vfio-pci > ${D}/driver_override; echo ${BOX_DEVICE_BDF} > ${D}/driver/unbind; echo ${BOX_DEVICE_BDF} > /sys/bus/pci/drivers_probe`,
      `mkdir -p /run/msix-harness/bindings; echo '{"bdf":"${BOX_DEVICE_BDF}","driver":"e1000e","override":"","pid":4194305,"pidStart":"1","sys":"/sys"}' > /run/msix-harness/bindings/${BOX_DEVICE_BDF}.json`,
    ].join('; ');
    const script = [
      `drv() { basename "$(readlink ${D}/driver)"; }`,
      'snap() { for d in /sys/bus/pci/devices/*; do echo "$(basename $d) $(basename "$(readlink $d/driver)") $(cat $d/driver_override)"; done; }',
      'snap > /tmp/mh-snap-before',
      `${run} >/tmp/k.log 2>&1 & pid=$!`,
      `i=0; while { [ "$(drv)" != vfio-pci ] || ! pgrep -x qemu-system-x86 >/dev/null; } && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done`,
      'echo "journal-while-bound $(ls /run/msix-harness/bindings | wc -l) $(drv)"',
      'kill -KILL $pid; t0=$(date +%s%N)',
      `i=0; while { [ "$(drv)" != e1000e ] || [ "$(cat ${D}/driver_override)" != "(null)" ]; } && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done`,
      `echo "restored-ms $(( ($(date +%s%N) - t0) / 1000000 )) $(drv) $(cat ${D}/driver_override)"`,
      'sleep 1; snap > /tmp/mh-snap-after; cmp -s /tmp/mh-snap-before /tmp/mh-snap-after && echo "untouched yes" || { echo "untouched no"; diff /tmp/mh-snap-before /tmp/mh-snap-after; }',
      'echo "left journal=$(ls /run/msix-harness/bindings | wc -l) qemu=$(pgrep -c -x qemu-system-x86)"',
      leave,
      'echo "left-by-hand $(drv)"',
      `node ${MAIN} restore; echo "restore-cmd $? $(drv) $(cat ${D}/driver_override) journal=$(ls /run/msix-harness/bindings | wc -l)"`,
      leave,
      `node ${MAIN} --version >/dev/null 2>/tmp/start.err; echo "any-start $(drv) journal=$(ls /run/msix-harness/bindings | wc -l)"; cat /tmp/start.err`,
    ].join('\n');
    const out: string[] = [];
    const r = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), hostDriver: true, command: ['sh', '-c', script], env: { [PROBED_BUILDS_ENV]: serializeBuilds([build]) }, timeoutMs: 300_000, onOutput: (l) => out.push(l) });
    const text = out.join('\n');
    expect(r.exitCode, text).to.equal(0);
    expect(out, text).to.include('journal-while-bound 1 vfio-pci');
    const restored = /^restored-ms (\d+) (\S+) (.*)$/m.exec(text);
    expect(restored, text).to.not.equal(null);
    expect(restored!.slice(2), text).to.deep.equal(['e1000e', '(null)']);
    expect(Number(restored![1]), 'ms from SIGKILL to the device back').to.be.below(10_000);
    console.log(`      SIGKILL to the device back on e1000e: ${restored![1]} ms`);
    expect(out, text).to.include('untouched yes');
    expect(out, text).to.include('left journal=0 qemu=0');
    expect(out, text).to.include('left-by-hand vfio-pci');
    expect(out, text).to.include('restore-cmd 0 e1000e (null) journal=0');
    expect(text).to.match(/msix-harness: restored 0000:00:03\.0 to e1000e \(left by msix-harness pid 4194305\)/);
    expect(out, text).to.include('any-start e1000e journal=0');
  });
});
