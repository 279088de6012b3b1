/**
 * The qtest wire protocol's commands as values: each op is the exact line to
 * send and how to read its OK reply. Arguments are checked here, before
 * anything is sent, because QEMU's qtest parser asserts on malformed input and
 * a bad argument would otherwise kill the machine under test.
 */
import { InvalidArgumentError } from '../errors.js';

export interface QtestOp<T> {
  readonly line: string;
  /** Parse the text after "OK" (without the leading space); throw a string describing what was expected. */
  readonly parse: (rest: string) => T;
}

export type Address = number | bigint;

const MAX_U64 = (1n << 64n) - 1n;
/**
 * Bound on one read/write/memset, so a typo cannot ask QEMU for gigabytes;
 * a read's hex reply (2 chars a byte) must also fit the channel's line limit.
 */
export const MAX_TRANSFER_BYTES = 4 * 1024 * 1024;

function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

function u64(what: string, v: Address): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`${what} must be a non-negative safe integer, got ${v}`);
    return BigInt(v);
  }
  if (typeof v !== 'bigint' || v < 0n || v > MAX_U64) throw new InvalidArgumentError(`${what} must fit in 64 bits unsigned, got ${String(v)}`);
  return v;
}

function uint(what: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${what} must be an integer in 0..${hex(max)}, got ${v}`);
  return v;
}

function size(v: number): number {
  if (!Number.isInteger(v) || v <= 0 || v > MAX_TRANSFER_BYTES) throw new InvalidArgumentError(`size must be an integer in 1..${MAX_TRANSFER_BYTES}, got ${v}`);
  return v;
}

const HEX_RE = /^0x[0-9a-fA-F]+$/;

const none = (rest: string): void => {
  if (rest !== '') throw 'a bare OK';
};
// QEMU prints every read as 0x%016x whatever its width; the value must still fit.
const num = (rest: string): number => {
  if (!HEX_RE.test(rest) || rest.length > 18) throw 'OK followed by a hex value';
  const v = parseInt(rest, 16);
  if (v > 0xffffffff) throw 'OK followed by a value of at most 32 bits';
  return v;
};
const big = (rest: string): bigint => {
  if (!HEX_RE.test(rest) || rest.length > 18) throw 'OK followed by a 64-bit hex value';
  return BigInt(rest);
};

function hexBytes(n: number) {
  return (rest: string): Buffer => {
    if (!rest.startsWith('0x') || rest.length !== 2 + 2 * n || !/^[0-9a-fA-F]*$/.test(rest.slice(2))) throw `OK followed by 0x and ${n} hex bytes`;
    return Buffer.from(rest.slice(2), 'hex');
  };
}

const op = <T>(line: string, parse: (rest: string) => T): QtestOp<T> => ({ line, parse });

/** Port I/O. */
export const outb = (port: number, v: number) => op(`outb ${hex(uint('port', port, 0xffff))} ${hex(uint('value', v, 0xff))}`, none);
export const outw = (port: number, v: number) => op(`outw ${hex(uint('port', port, 0xffff))} ${hex(uint('value', v, 0xffff))}`, none);
export const outl = (port: number, v: number) => op(`outl ${hex(uint('port', port, 0xffff))} ${hex(uint('value', v, 0xffffffff))}`, none);
export const inb = (port: number) => op(`inb ${hex(uint('port', port, 0xffff))}`, num);
export const inw = (port: number) => op(`inw ${hex(uint('port', port, 0xffff))}`, num);
export const inl = (port: number) => op(`inl ${hex(uint('port', port, 0xffff))}`, num);

/** Guest-physical memory, as the CPU would see it. */
export const writeb = (a: Address, v: number) => op(`writeb ${hex(u64('address', a))} ${hex(uint('value', v, 0xff))}`, none);
export const writew = (a: Address, v: number) => op(`writew ${hex(u64('address', a))} ${hex(uint('value', v, 0xffff))}`, none);
export const writel = (a: Address, v: number) => op(`writel ${hex(u64('address', a))} ${hex(uint('value', v, 0xffffffff))}`, none);
export const writeq = (a: Address, v: number | bigint) => op(`writeq ${hex(u64('address', a))} ${hex(u64('value', v))}`, none);
export const readb = (a: Address) => op(`readb ${hex(u64('address', a))}`, num);
export const readw = (a: Address) => op(`readw ${hex(u64('address', a))}`, num);
export const readl = (a: Address) => op(`readl ${hex(u64('address', a))}`, num);
export const readq = (a: Address) => op(`readq ${hex(u64('address', a))}`, big);

export const read = (a: Address, n: number) => op(`read ${hex(u64('address', a))} ${hex(size(n))}`, hexBytes(n));
export const write = (a: Address, data: Uint8Array) =>
  op(`write ${hex(u64('address', a))} ${hex(size(data.length))} 0x${Buffer.from(data).toString('hex')}`, none);
export const memset = (a: Address, n: number, byte: number) => op(`memset ${hex(u64('address', a))} ${hex(size(n))} ${hex(uint('byte', byte, 0xff))}`, none);

export const endianness = () =>
  op('endianness', (rest): 'little' | 'big' => {
    if (rest !== 'little' && rest !== 'big') throw 'OK little or OK big';
    return rest;
  });

/** Virtual clock control; only meaningful with the qtest accelerator (the client checks). */
const clockValue = (rest: string): bigint => {
  if (!/^\d+$/.test(rest)) throw 'OK followed by the clock in ns';
  return BigInt(rest);
};
export const clockStep = (ns?: number | bigint) => op(ns === undefined ? 'clock_step' : `clock_step ${u64('ns', ns)}`, clockValue);

/** GPIO interception: the device's IRQ lines are reported as asynchronous "IRQ raise|lower N" lines. */
