/**
 * Guest RAM handed out in pieces, as libqos's guest_alloc: the mailbox and
 * every device plugin take what they need from one allocator, so nobody
 * picks addresses around the others. Deterministic: the same requests in
 * the same order give the same addresses (a migrated device under test is
 * assembled again and finds its memory where it was).
 */
export class GuestRam {
  private next: number;
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    this.next = start;
  }

  /** `bytes` of guest-physical memory aligned to `align` (a power of two). */
  /** The bytes handed out so far, from start. */
  get used(): number {
    return this.next - this.start;
  }

  alloc(bytes: number, align = 4096, what = 'guest memory'): number {
    const at = Math.ceil(this.next / align) * align;
    if (at + bytes > this.end) throw new RangeError(`${what}: ${bytes} bytes do not fit in guest RAM 0x${this.start.toString(16)}..0x${this.end.toString(16)} (0x${(this.end - this.next).toString(16)} left)`);
    this.next = at + bytes;
    return at;
  }
}
