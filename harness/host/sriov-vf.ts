/**
 * One SR-IOV VF made on a PF that its own Linux driver holds (sriov_numvfs),
 * for passing through; removed again afterwards. The PF's interface is
 * brought up, as PF drivers (igb) route VF interrupts only while it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { EnvironmentError } from '../errors.js';
import { deviceDir } from './pci-sysfs.js';

export interface SriovVf {
  readonly pf: string;
  readonly vf: string;
  /** Back to no VFs (synchronous, so it also runs from an exit handler). */
  remove(): void;
}

export async function createVf(pf: string): Promise<SriovVf> {
  const dir = deviceDir(pf);
  const numvfs = path.join(dir, 'sriov_numvfs');
  if (!fs.existsSync(numvfs)) throw new EnvironmentError(`${pf} has no SR-IOV (no sriov_numvfs)`, 'name a PF with SR-IOV, on its own driver');
  if (Number(fs.readFileSync(numvfs, 'utf8').trim()) !== 0) throw new EnvironmentError(`${pf} already has VFs`, `set ${numvfs} to 0 first, or pass one of its VFs through by name`);
  fs.writeFileSync(numvfs, '1');
  const remove = () => fs.writeFileSync(numvfs, '0');
  try {
    const vf = path.basename(fs.readlinkSync(path.join(dir, 'virtfn0')));
    for (const n of fs.existsSync(path.join(dir, 'net')) ? fs.readdirSync(path.join(dir, 'net')) : []) await execa('ip', ['link', 'set', n, 'up'], { stdin: 'ignore' });
    return { pf, vf, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
