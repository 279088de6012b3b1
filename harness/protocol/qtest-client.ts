/**
 * qtest client: sends ops over a line channel and routes replies in order.
 * Asynchronous "IRQ raise|lower N" lines (sent once a test intercepts an
 * IRQ) are never taken for replies: they stay in the timeline only.
 *
 * States: 'open', then the session's end states (protocol/session.ts):
 * 'failed' after a timeout or a malformed reply, 'closed' when the peer went
 * away, 'closing' when the harness closes it.
 */
import { charge } from '../time-ledger.js';
import { Timeline } from '../timeline.js';
import { Session, type ExplainClose } from './session.js';
import {
  MalformedReplyError,
  HarnessError,
  ProtocolTimeoutError,
  QtestCommandError,
  UnsupportedCommandError,
} from '../errors.js';
import type { LineChannel } from './line-channel.js';
import * as ops from './qtest-ops.js';
import type { Address, QtestOp } from './qtest-ops.js';


export interface QtestClientOptions {
  readonly log: Timeline;
  /** Default time allowed for one command (or one pipelined batch). */
  readonly timeoutMs?: number;
  /** Whether clock_step/clock_set work (only with the qtest accelerator); the reason is shown when they do not. */
  readonly clock?: { readonly available: true } | { readonly available: false; readonly why: string };
  /**
   * Turns the end of the stream into the error callers should see (the
   * machine layer uses it to report QEMU's exit status). Must settle quickly.
   */
  readonly explainClose?: ExplainClose;
}

type Results<T extends readonly QtestOp<unknown>[]> = { -readonly [K in keyof T]: T[K] extends QtestOp<infer R> ? R : never };

interface Group {
  readonly results: unknown[];
  remaining: number;
  error: Error | undefined;
  timer: NodeJS.Timeout | undefined;
  resolve(v: unknown[]): void;
  reject(e: Error): void;
}

interface Pending {
  readonly op: QtestOp<unknown>;
  readonly group: Group;
  readonly index: number;
}

const CHANNEL = 'qtest';

export class QtestClient extends Session<'open'> {
  private queue: Pending[] = [];
  private head = 0;
  private readonly timeoutMs: number;

  constructor(
    channel: LineChannel,
    private readonly opts: QtestClientOptions,
  ) {
    super(channel, opts.log, 'open', opts.explainClose);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Run one op and return its typed reply. */
  run<T>(op: QtestOp<T>, timeoutMs = this.timeoutMs): Promise<T> {
    return this.send([op], timeoutMs).then((r) => r[0] as T);
  }

  /**
   * Send independent ops in one write and return their replies in order.
   * One timeout covers the whole batch. If an op fails, the batch rejects with
   * the first failure once every reply has been consumed (the stream stays aligned).
   */
  pipeline<const T extends readonly QtestOp<unknown>[]>(batch: T, timeoutMs = this.timeoutMs): Promise<Results<T>> {
    return this.send(batch, timeoutMs) as Promise<Results<T>>;
  }

  // Typed conveniences over run(); the ops module has the argument rules.
  outb = (port: number, v: number) => this.run(ops.outb(port, v));
  outw = (port: number, v: number) => this.run(ops.outw(port, v));
  outl = (port: number, v: number) => this.run(ops.outl(port, v));
  inb = (port: number) => this.run(ops.inb(port));
  inw = (port: number) => this.run(ops.inw(port));
  inl = (port: number) => this.run(ops.inl(port));
  writeb = (a: Address, v: number) => this.run(ops.writeb(a, v));
  writew = (a: Address, v: number) => this.run(ops.writew(a, v));
  writel = (a: Address, v: number) => this.run(ops.writel(a, v));
  writeq = (a: Address, v: number | bigint) => this.run(ops.writeq(a, v));
  readb = (a: Address) => this.run(ops.readb(a));
  readw = (a: Address) => this.run(ops.readw(a));
  readl = (a: Address) => this.run(ops.readl(a));
  readq = (a: Address) => this.run(ops.readq(a));
  read = (a: Address, n: number) => this.run(ops.read(a, n));
  write = (a: Address, data: Uint8Array) => this.run(ops.write(a, data));
  memset = (a: Address, n: number, byte: number) => this.run(ops.memset(a, n, byte));
  endianness = () => this.run(ops.endianness());

  clockStep(ns?: number | bigint): Promise<bigint> {
    this.requireClock('clock_step');
    return this.run(ops.clockStep(ns));
  }

  private requireClock(cmd: string): void {
    const clock = this.opts.clock ?? { available: true };
    if (!clock.available) throw new UnsupportedCommandError(`${cmd} is not available: ${clock.why}`);
  }

  private send(batch: readonly QtestOp<unknown>[], timeoutMs: number): Promise<unknown[]> {
    if (this.state !== 'open') return this.refuse(`send ${batch[0]?.line ?? 'nothing'}`);
    if (batch.length === 0) return Promise.resolve([]);
    return charge('qtest', () => this.exchange(batch, timeoutMs));
  }

  private exchange(batch: readonly QtestOp<unknown>[], timeoutMs: number): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      const group: Group = { results: new Array(batch.length), remaining: batch.length, error: undefined, timer: undefined, resolve, reject };
      let text = '';
      for (let i = 0; i < batch.length; i++) {
        const o = batch[i]!;
        this.queue.push({ op: o, group, index: i });
        this.log.record(CHANNEL, '>', o.line);
        text += o.line + '\n';
      }
      group.timer = setTimeout(() => this.onTimeout(timeoutMs), timeoutMs);
      this.channel.write(text);
    });
  }

  protected onLine(line: string): void {
    this.log.record(CHANNEL, '<', line);
    if (line.startsWith('IRQ ')) return this.onIrq(line);
    const p = this.queue[this.head];
    if (!p) return this.fail(new MalformedReplyError(CHANNEL, line, 'no reply (nothing was in flight)', this.log.snapshot()));
    this.queue[this.head++] = undefined as unknown as Pending;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const g = p.group;
    if (line === 'OK' || line.startsWith('OK ')) {
      try {
        g.results[p.index] = p.op.parse(line.length > 2 ? line.slice(3) : '');
      } catch (expected) {
        return this.fail(new MalformedReplyError(CHANNEL, line, `${String(expected)} in reply to ${JSON.stringify(p.op.line)}`, this.log.snapshot()), g);
      }
    } else if (line.startsWith('FAIL') || line.startsWith('ERR')) {
      g.error ??= new QtestCommandError(p.op.line, line, this.log.snapshot());
    } else {
      return this.fail(new MalformedReplyError(CHANNEL, line, `OK, FAIL, ERR or IRQ in reply to ${JSON.stringify(p.op.line)}`, this.log.snapshot()), g);
    }
    if (--g.remaining === 0) {
      clearTimeout(g.timer);
      if (g.error) g.reject(g.error);
      else g.resolve(g.results);
    }
  }

  private onIrq(line: string): void {
    if (!/^IRQ (raise|lower) (-?\d+)$/.test(line)) return this.fail(new MalformedReplyError(CHANNEL, line, 'IRQ raise N or IRQ lower N', this.log.snapshot()));
  }

  private onTimeout(timeoutMs: number): void {
    const p = this.queue[this.head];
    const what = p ? `the reply to ${JSON.stringify(p.op.line)}` : 'a reply';
    this.log.record(CHANNEL, '!', `timeout after ${timeoutMs} ms`);
    this.fail(new ProtocolTimeoutError(`qtest: ${what}`, timeoutMs, this.log.snapshot()));
  }

  /** As Session.fail, rejecting the batch being answered too. */
  protected override fail(err: HarnessError, current?: Group): void {
    if (current && !this.ended) {
      clearTimeout(current.timer);
      current.reject(err);
    }
    super.fail(err);
  }

  protected rejectInFlight(err: Error): void {
    const seen = new Set<Group>();
    for (let i = this.head; i < this.queue.length; i++) {
      const g = this.queue[i]!.group;
      if (seen.has(g)) continue;
      seen.add(g);
      clearTimeout(g.timer);
      g.reject(err);
    }
    this.queue = [];
    this.head = 0;
  }
}
