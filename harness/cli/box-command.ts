/**
 * `msix-harness box`: run one command on a nested vfio host (see
 * harness/box/box.ts). Provisioning progress goes to stderr, the command's
 * output to stdout; the result is the command's own exit code.
 */
import { runInBox } from '../box/box.js';
import { boxHardwareNamed } from '../runner/box-device-under-test.js';
import { EnvironmentError } from '../errors.js';

/** Boot plus command; TCG on two cores boots in about 4 s, so this is for the command. */
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export async function boxCommand(o: { kernel: string; device: string; command: string[]; hostDriver?: boolean; append?: string[]; forwardPort?: number; kvm?: boolean; timeoutMs?: number }): Promise<number> {
  const device = boxHardwareNamed(o.device);
  if (o.command.length === 0) throw new EnvironmentError('no command given', 'pass the command to run in the box after --, e.g. -- sh -c "cat /proc/interrupts"');
  const r = await runInBox({
    kernel: o.kernel,
    device,
    command: o.command,
    ...(o.hostDriver ? { hostDriver: true } : {}),
    ...(o.append?.length ? { kernelArgs: o.append } : {}),
    ...(o.forwardPort !== undefined ? { forwardPort: o.forwardPort } : {}),
    ...(o.kvm ? { kvm: true } : {}),
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    progress: (m) => process.stderr.write(`${m}\n`),
    onOutput: (line) => process.stdout.write(`${line}\n`),
  });
  process.stderr.write(`box: kernel ${r.kernel.release}, outer QEMU ${r.outerQemu}: boot ${r.bootMs} ms, command ${r.commandMs} ms, exit code ${r.exitCode}\n`);
  return r.exitCode;
}
