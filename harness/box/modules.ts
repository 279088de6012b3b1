/**
 * Kernel modules for the initramfs without kmod: find each module in the
 * unpacked modules tree, read its dependencies from the `depends=` string of
 * its ELF .modinfo section (Debian's package ships no modules.dep; depmod is
 * not on a fresh machine), and return them in load order, decompressed
 * (6.12 ships .ko.xz; the xz CLI of xz-utils, on every Debian base, does it).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { EnvironmentError } from '../errors.js';

export interface LoadableModule {
  /** Canonical name (underscores), as insmod and depends= use it. */
  readonly name: string;
  readonly data: Buffer;
}

/**
 * The wanted modules and their dependencies, dependencies first; built-in
 * ones are skipped. Where the package ships no list of built-in modules, a
 * module with no file is taken as built in, and the boot checks the result
 * (the init fails, naming the driver, when vfio-pci is not there).
 */
export async function modulesInLoadOrder(modulesDir: string, wanted: readonly string[]): Promise<LoadableModule[]> {
  const files = await moduleFiles(path.join(modulesDir, 'kernel'));
  const builtin = await builtinNames(modulesDir);
  const order: LoadableModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = async (raw: string, chain: readonly string[]): Promise<void> => {
    const name = canonical(raw);
    if (state.get(name) === 'done' || builtin?.has(name)) return;
    if (state.get(name) === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const file = files.get(name);
    if (!file && !builtin) return;
    if (!file) throw new EnvironmentError(`kernel module ${name} (needed by ${chain.join(' -> ') || 'the box'}) is not in ${modulesDir}`, 'use another kernel series');
    state.set(name, 'visiting');
    const data = await readModule(file);
    for (const dep of modinfo(data, file).get('depends')?.split(',').filter(Boolean) ?? []) await visit(dep, [...chain, name]);
    state.set(name, 'done');
    order.push({ name, data });
  };
  for (const w of wanted) await visit(w, []);
  return order;
}

const canonical = (n: string) => n.replace(/-/g, '_');

async function moduleFiles(dir: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (const rel of await fs.readdir(dir, { recursive: true })) {
    const m = /([^/]+)\.ko(\.xz)?$/.exec(rel);
    if (m) map.set(canonical(m[1]!), path.join(dir, rel));
  }
  return map;
}

/** Built-in module names from modules.builtin, or else modules.builtin.modinfo ("name.key=value" strings); undefined when neither is shipped. */
export async function builtinNames(modulesDir: string): Promise<Set<string> | undefined> {
  const list = await fs.readFile(path.join(modulesDir, 'modules.builtin'), 'utf8').catch(() => undefined);
  if (list !== undefined) return new Set(list.split('\n').map((l) => /([^/]+)\.ko$/.exec(l)?.[1]).filter((n): n is string => !!n).map(canonical));
  const info = await fs.readFile(path.join(modulesDir, 'modules.builtin.modinfo'), 'latin1').catch(() => undefined);
  if (info !== undefined) return new Set(info.split('\0').map((kv) => /^([^.=]+)\./.exec(kv)?.[1]).filter((n): n is string => !!n).map(canonical));
  return undefined;
}

async function readModule(file: string): Promise<Buffer> {
  if (!file.endsWith('.xz')) return fs.readFile(file);
  try {
    const r = await execa('xz', ['-dc', file], { encoding: 'buffer', stdin: 'ignore' });
    return Buffer.from(r.stdout);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EnvironmentError(missing ? 'the xz command is missing (kernel modules are .ko.xz)' : `xz could not decompress ${file}: ${(e as Error).message.split('\n')[0]}`, missing ? 'apt-get install xz-utils' : `remove ${path.dirname(file)} from the cache and run again`);
  }
}

/** key=value strings of the ELF64 little-endian .modinfo section. */
export function modinfo(elf: Buffer, what: string): Map<string, string> {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error(`${what} is not a 64-bit little-endian ELF module`);
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const section = (i: number) => {
    const h = shoff + i * shentsize;
    return { name: elf.readUInt32LE(h), offset: Number(elf.readBigUInt64LE(h + 0x18)), size: Number(elf.readBigUInt64LE(h + 0x20)) };
  };
  const names = section(shstrndx);
  const info = new Map<string, string>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const end = elf.indexOf(0, names.offset + s.name);
    if (elf.toString('latin1', names.offset + s.name, end) !== '.modinfo') continue;
    for (const kv of elf.toString('latin1', s.offset, s.offset + s.size).split('\0')) {
      const eq = kv.indexOf('=');
      if (eq > 0 && !info.has(kv.slice(0, eq))) info.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    return info;
  }
  throw new Error(`${what} has no .modinfo section`);
}
