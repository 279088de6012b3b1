/** vfio's names for the interrupt handlers it registers: vfio-msix[N](BDF), vfio-msi[N](BDF), vfio-intx(BDF). */
export interface VfioAction {
  readonly kind: 'msix' | 'msi' | 'intx';
  readonly vector?: number;
  readonly bdf: string;
}

const RE = /^vfio-(msix|msi|intx)(?:\[(\d+)\])?\(([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\)$/;

export function parseVfioAction(name: string): VfioAction | undefined {
  const m = RE.exec(name.trim());
  if (!m) return undefined;
  const kind = m[1] as VfioAction['kind'];
  if ((kind === 'intx') !== (m[2] === undefined)) return undefined;
  return { kind, ...(m[2] !== undefined ? { vector: Number(m[2]) } : {}), bdf: m[3]! };
}
