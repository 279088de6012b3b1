/**
 * Child process for the harness-killed tests: starts one machine the way the
 * CLI would (same signal handling), prints its pid and folder, then waits.
 */
import { cleanUpOnSignals } from '../../harness/cli/signals.js';
import { defaultSpecs, resolveBuild } from '../../harness/builds/build-spec.js';
import { Machine } from '../../harness/qemu/machine.js';

cleanUpOnSignals();
const build = await resolveBuild(defaultSpecs()[0]!, () => undefined);
const m = await Machine.launch(build, {});
process.stdout.write(JSON.stringify({ pid: m.proc.pid, dir: m.proc.dir }) + '\n');
setInterval(() => undefined, 1000);
