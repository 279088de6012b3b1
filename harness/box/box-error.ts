/** The box did not get to report the command's exit code: why, and the console lines that led there. */
export class BoxError extends Error {
  constructor(
    readonly reason: string,
    readonly consoleTail: readonly string[],
    readonly commandLine: readonly string[],
  ) {
    super(`nested host (box) failed: ${reason}\nlast ${consoleTail.length} console lines:\n${consoleTail.map((l) => `  | ${l}`).join('\n') || '  (none)'}\nouter QEMU: ${commandLine.join(' ')}`);
    this.name = 'BoxError';
  }
}
