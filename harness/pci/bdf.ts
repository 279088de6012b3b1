/** A PCI function address: segment 0, bus:device.function. */
export interface Bdf {
  readonly bus: number;
  readonly dev: number;
  readonly fn: number;
}

const BDF_RE = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

export function parseBdf(text: string): Bdf {
  const m = BDF_RE.exec(text);
  if (!m || (m[1] && m[1] !== '0000')) throw new Error(`"${text}" is not a PCI address like 0000:00:03.0 (segment 0 only)`);
  const bdf = { bus: parseInt(m[2]!, 16), dev: parseInt(m[3]!, 16), fn: Number(m[4]) };
  if (bdf.dev > 31) throw new Error(`"${text}": device number must be 00..1f`);
  return bdf;
}

/** The routing (requester) ID: bus << 8 | device << 3 | function. */
export function routingId(b: Bdf): number {
  return (b.bus << 8) | (b.dev << 3) | b.fn;
}

/** The function a routing ID names. */
export function bdfOfRoutingId(rid: number): Bdf {
  return { bus: (rid >> 8) & 0xff, dev: (rid >> 3) & 0x1f, fn: rid & 7 };
}

export function formatBdf(b: Bdf): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `0000:${h(b.bus)}:${h(b.dev)}.${b.fn}`;
}
