/**
 * `inspect --host-device` for real, in the nested host: the box's e1000e
 * starts on its own Linux driver; the inspector binds it to vfio-pci,
 * serves the page (driven here by a client that speaks the page's
 * WebSocket), shows the host's side of each action, and on Ctrl-C puts the
 * device back on e1000e with no QEMU left.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BOX_DEVICE_BDF, runInBox } from '../../harness/box/box.js';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { PROBED_BUILDS_ENV, serializeBuilds } from '../../harness/builds/qemu-build.js';
import type { InspectState, TimelineStep } from '../../harness/inspect/inspect-session.js';
import { boxHardwareNamed } from '../../harness/runner/box-device-under-test.js';

const MAIN = fileURLToPath(new URL('../../bin/msix-harness.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('../support/inspect-client.js', import.meta.url));
const D = `/sys/bus/pci/devices/${BOX_DEVICE_BDF}`;

describe('inspect --host-device (box, device on its host driver)', function () {
  this.timeout(600_000);

  it('binds the device for the session, shows the host side of enable and fire, and puts it back on Ctrl-C', async () => {
    const build = await resolveBuild('debian:newest', () => undefined);
    const script = [
      `drv() { basename "$(readlink ${D}/driver)"; }`,
      'echo "before $(drv)"',
      `node ${MAIN} inspect --host-device ${BOX_DEVICE_BDF} --qemu debian:newest --port 8555 >/tmp/i.out 2>&1 & pid=$!`,
      'i=0; until grep -q "open http" /tmp/i.out || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done; cat /tmp/i.out',
      'echo "during $(drv)"',
      `node ${CLIENT} "$(grep -o 'http://127[^ ]*' /tmp/i.out)" enable route:0 unmask:0 fire:0 fire:0`,
      'kill -INT $pid; wait $pid; echo "rc-int $? $(drv) qemu=$(pgrep -c -x qemu-system-x86)"',
    ].join('\n');
    const out: string[] = [];
    const r = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), hostDriver: true, command: ['sh', '-c', script], env: { [PROBED_BUILDS_ENV]: serializeBuilds([build]) }, timeoutMs: 300_000, onOutput: (l) => out.push(l) });
    const text = out.join('\n');
    expect(r.exitCode, text).to.equal(0);
    expect(out, text).to.include('before e1000e');
    expect(out, text).to.include('during vfio-pci');
    const json = out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { step?: TimelineStep; state?: InspectState });
    const steps = json.flatMap((j) => (j.step ? [j.step] : []));
    expect(steps.map((s) => s.error ?? s.action.action)).to.deep.equal(['enable', 'route', 'unmask', 'fire', 'fire']);
    expect(steps[0]!.changed).to.include('host MSI-X Enable: false -> true');
    expect(steps[4]!.changed.some((c) => /^host vfio-msix\[0\]\(0000:00:03\.0\): \d+ -> \d+$/.test(c)), steps[4]!.changed.join('; ')).to.equal(true);
    const state = json.at(-1)!.state!;
    expect(state.deliveries[0]).to.equal(2);
    expect(state.host).to.deep.include({ bdf: BOX_DEVICE_BDF, enabled: true, functionMasked: false });
    expect(state.host!.lines.find((l) => l.kind === 'msix' && l.vector === 0)?.total).to.be.greaterThanOrEqual(2);
    expect(out, text).to.include('rc-int 130 e1000e qemu=0');
  });
});
