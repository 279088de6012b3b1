/**
 * A "newc" cpio archive, the format the kernel unpacks as an initramfs.
 * Written here because `cpio` is not on a fresh machine and the format is
 * small: a 110-byte ASCII header per entry, name and data padded to 4 bytes.
 */

export type CpioEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'char'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** Entries in order (parents before children), then the trailer. Owner root, mtime 0 (reproducible). */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    let mode: number;
    let data: Uint8Array = new Uint8Array(0);
    let rdev = [0, 0];
    switch (e.kind) {
      case 'dir':
        mode = S_IFDIR | (e.mode ?? 0o755);
        break;
      case 'file':
        mode = S_IFREG | (e.mode ?? 0o644);
        data = e.data;
        break;
      case 'symlink':
        mode = S_IFLNK | 0o777;
        data = Buffer.from(e.target);
        break;
      case 'char':
        mode = S_IFCHR | (e.mode ?? 0o600);
        rdev = [e.major, e.minor];
        break;
    }
    parts.push(record(ino++, mode, e.kind === 'dir' ? 2 : 1, name, data, rdev[0]!, rdev[1]!));
  }
  parts.push(record(0, 0, 1, 'TRAILER!!!', new Uint8Array(0), 0, 0));
  return Buffer.concat(parts);
}

function record(ino: number, mode: number, nlink: number, name: string, data: Uint8Array, rdevMajor: number, rdevMinor: number): Buffer {
  const nameBytes = Buffer.from(name + '\0');
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0];
  const header = Buffer.from('070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join(''), 'ascii');
  return Buffer.concat([header, nameBytes, pad(header.length + nameBytes.length), Buffer.from(data), pad(data.length)]);
}

const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
