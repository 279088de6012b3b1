/**
 * What one run adds to the initramfs: /box/run.env (devices, marker nonce)
 * and /box/job.sh (cd, environment, exec of the command, every word
 * single-quoted). An uncompressed cpio placed before the cached cpio.gz: the
 * kernel unpacks concatenated archives in turn, as with early microcode. This
 * avoids the kernel command line's 2 KiB limit and any quoting through it.
 */
import { EnvironmentError } from '../errors.js';
import { cpioNewc } from './cpio.js';
import { BOX_PATHS, KVM_DRIVER, NET_DRIVER } from './init-script.js';
import { shellQuote } from '../shell-quote.js';

export interface Job {
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly vfioBdfs: readonly string[];
  /** Host drivers to load before binding (their modules ship in the initramfs), e.g. e1000e. */
  readonly hostDrivers?: readonly string[];
  /** The NIC to bring up (virtio_net), and its address. */
  readonly net?: { readonly bdf: string; readonly address: string };
  /** Load KVM (its modules ship in the initramfs) and fail the boot where /dev/kvm does not appear. */
  readonly kvm?: boolean;
  readonly nonce: string;
}

/** The environment the command starts from inside the box (the caller's entries override it). */
export const BOX_BASE_ENV: Readonly<Record<string, string>> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/tmp', TERM: 'dumb', LANG: 'C.UTF-8' };

export function jobArchive(job: Job): Buffer {
  if (job.command.length === 0) throw new EnvironmentError('no command to run in the box', 'pass the command after --, e.g. -- sh -c "cat /proc/interrupts"');
  const env = { ...BOX_BASE_ENV, ...job.env };
  for (const k of Object.keys(env)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new EnvironmentError(`"${k}" is not an environment variable name`, 'use letters, digits and underscores');
  for (const b of [...job.vfioBdfs, ...(job.net ? [job.net.bdf] : [])]) if (!/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(b)) throw new Error(`bad BDF ${b}`);
  for (const d of job.hostDrivers ?? []) if (!/^[a-z0-9_]+$/.test(d)) throw new Error(`bad driver name ${d}`);
  if (job.net && !/^\d+\.\d+\.\d+\.\d+$/.test(job.net.address)) throw new Error(`bad address ${job.net.address}`);
  const drivers = [...(job.kvm ? [KVM_DRIVER] : []), ...(job.hostDrivers ?? []), ...(job.net ? [NET_DRIVER] : [])];
  const runEnv = `BOX_NONCE=${job.nonce}\nBOX_VFIO_BDFS="${job.vfioBdfs.join(' ')}"\nBOX_HOST_DRIVERS="${drivers.join(' ')}"\nBOX_NET_BDF="${job.net?.bdf ?? ''}"\nBOX_NET_ADDRESS="${job.net?.address ?? ''}"\nBOX_KVM="${job.kvm ? 1 : ''}"\n`;
  const script = [
    `cd ${shellQuote(job.cwd)} || { echo ${shellQuote(`box: cannot cd to ${job.cwd}`)} >&2; exit 126; }`,
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `exec ${job.command.map(shellQuote).join(' ')}`,
  ].join('\n');
  return cpioNewc([
    { kind: 'dir', path: 'box' },
    { kind: 'file', path: BOX_PATHS.runEnv, data: Buffer.from(runEnv) },
    { kind: 'file', path: BOX_PATHS.job, data: Buffer.from(script + '\n') },
  ]);
}

