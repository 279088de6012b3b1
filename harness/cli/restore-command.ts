/**
 * `msix-harness restore`, and the same check at every start: devices that a
 * harness which is gone (killed, crashed) left on vfio-pci, put back from
 * the binding journal.
 */
import { journalDir, recoverStaleBindings, type Recovery } from '../janitor/binding-journal.js';
import { ExitCode } from './exit-codes.js';

function say(r: Recovery, out: (m: string) => void): void {
  for (const x of r.restored) out(`msix-harness: restored ${x}`);
  for (const x of r.failed) out(`msix-harness: could not restore ${x}`);
}

/** At start: restore what a previous run left behind, saying so; silent when there is nothing. */
export function restoreLeftovers(): void {
  say(recoverStaleBindings(), (m) => process.stderr.write(`${m}\n`));
}

export function restoreCommand(): number {
  const r = recoverStaleBindings();
  say(r, (m) => process.stdout.write(`${m}\n`));
  for (const x of r.live) process.stdout.write(`msix-harness: left alone: ${x}\n`);
  if (!r.restored.length && !r.failed.length && !r.live.length) process.stdout.write(`msix-harness: no device bindings to restore (journal: ${journalDir()})\n`);
  return r.failed.length ? ExitCode.USAGE : ExitCode.OK;
}
