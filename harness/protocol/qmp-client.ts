/**
 * QMP client: greeting and capabilities negotiation, replies routed by id,
 * events kept in a bounded history with filtered waits.
 *
 * States: 'handshaking' -> 'ready', then the session's end states
 * (protocol/session.ts). A call outside 'ready' rejects at once with a
 * WrongStateError naming the state (or the error that ended the session),
 * never hangs.
 */
import { charge } from '../time-ledger.js';
import { Timeline } from '../timeline.js';
import { Session, type ExplainClose } from './session.js';
import { MalformedReplyError, ProtocolTimeoutError, QmpCommandError, WrongStateError } from '../errors.js';
import type { LineChannel } from './line-channel.js';
import { Waiters } from './waiters.js';


export interface QmpVersion {
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
  readonly package: string;
}

export interface QmpEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly timestamp?: { seconds: number; microseconds: number };
  /** Position in this client's event sequence (0-based), for waits that must not miss an early event. */
  readonly seq: number;
}

export interface QmpClientOptions {
  readonly log: Timeline;
  readonly timeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly explainClose?: ExplainClose;
}

interface Waiting {
  readonly command: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const CHANNEL = 'qmp';
const EVENT_HISTORY = 1000;

export class QmpClient extends Session<'handshaking' | 'ready'> {
  private nextId = 1;
  private readonly inFlight = new Map<string, Waiting>();
  private readonly history: QmpEvent[] = [];
  private eventCount = 0;
  private readonly eventWaiters: Waiters<QmpEvent>;
  private greetingWaiter: ((g: Record<string, unknown>) => void) | undefined;
  private _version: QmpVersion | undefined;
  private readonly timeoutMs: number;

  private constructor(channel: LineChannel, opts: QmpClientOptions) {
    super(channel, opts.log, 'handshaking', opts.explainClose);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.eventWaiters = new Waiters(opts.log);
  }

  /** Read the greeting and negotiate capabilities; resolves with a ready client. */
  static async connect(channel: LineChannel, opts: QmpClientOptions): Promise<QmpClient> {
    const c = new QmpClient(channel, opts);
    await c.handshake(opts.handshakeTimeoutMs ?? c.timeoutMs);
    return c;
  }

  /** QEMU's version from the greeting. */
  get version(): QmpVersion {
    if (!this._version) throw new WrongStateError('read the version', this.state);
    return this._version;
  }

  /** Execute a command; resolves with its "return" value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.state !== 'ready') return this.refuse(`execute ${command}`);
    return charge('qmp', () => this.sendRaw(command, args, timeoutMs) as Promise<T>);
  }

  /** Sequence number the next event will get: pass it to waitEvent to include events that arrive from now on. */
  eventCursor(): number {
    return this.eventCount;
  }

  /** Events still in the bounded history, optionally filtered by name. */
  events(name?: string): readonly QmpEvent[] {
    return name ? this.history.filter((e) => e.event === name) : this.history;
  }

  /**
   * Wait for an event named `name` (and matching `match`) whose seq is at
   * least `since` (default: only events that arrive after this call).
   */
  waitEvent(name: string, opts: { since?: number; match?: (e: QmpEvent) => boolean; timeoutMs?: number } = {}): Promise<QmpEvent> {
    const since = opts.since ?? this.eventCount;
    const ok = (e: QmpEvent) => e.event === name && e.seq >= since && (!opts.match || opts.match(e));
    const early = this.history.find(ok);
    if (early) return Promise.resolve(early);
    if (this.state !== 'ready') return this.refuse(`wait for event ${name}`);
    return this.eventWaiters.wait(ok, `QMP event ${name}`, opts.timeoutMs ?? this.timeoutMs);
  }

  private async handshake(timeoutMs: number): Promise<void> {
    const greeting = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new ProtocolTimeoutError('the QMP greeting', timeoutMs, this.log.snapshot());
        this.fail(err);
        reject(err);
      }, timeoutMs);
      this.greetingWaiter = (g) => {
        clearTimeout(timer);
        resolve(g);
      };
      this.pendingHandshakeReject = (e) => {
        clearTimeout(timer);
        reject(e);
      };
    });
    const qmp = greeting['QMP'] as { version?: { qemu?: { major?: unknown; minor?: unknown; micro?: unknown }; package?: unknown } } | undefined;
    const q = qmp?.version?.qemu;
    if (!q || typeof q.major !== 'number' || typeof q.minor !== 'number' || typeof q.micro !== 'number') {
      const err = new MalformedReplyError(CHANNEL, JSON.stringify(greeting), 'a greeting with QMP.version.qemu.{major,minor,micro}', this.log.snapshot());
      this.fail(err);
      throw err;
    }
    this._version = { major: q.major, minor: q.minor, micro: q.micro, package: String(qmp?.version?.package ?? '').trim() };
    await this.sendRaw('qmp_capabilities', undefined, timeoutMs);
    this.setState('ready');
  }

  private pendingHandshakeReject: ((e: Error) => void) | undefined;

  private sendRaw(command: string, args: Record<string, unknown> | undefined, timeoutMs: number): Promise<unknown> {
    const id = `h${this.nextId++}`;
    const text = JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight.delete(id);
        this.log.record(CHANNEL, '!', `timeout after ${timeoutMs} ms waiting for ${command}`);
        reject(new ProtocolTimeoutError(`the QMP reply to ${command}`, timeoutMs, this.log.snapshot()));
      }, timeoutMs);
      this.inFlight.set(id, { command, resolve, reject, timer });
      this.log.record(CHANNEL, '>', text);
      this.channel.write(text + '\n');
    });
  }

  protected onLine(line: string): void {
    this.log.record(CHANNEL, '<', line);
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.fail(new MalformedReplyError(CHANNEL, line, 'a JSON object', this.log.snapshot()));
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return this.fail(new MalformedReplyError(CHANNEL, line, 'a JSON object', this.log.snapshot()));
    }
    const m = msg as Record<string, unknown>;
    if ('QMP' in m) {
      if (!this.greetingWaiter) return this.fail(new MalformedReplyError(CHANNEL, line, 'no second greeting', this.log.snapshot()));
      const w = this.greetingWaiter;
      this.greetingWaiter = undefined;
      return w(m);
    }
    if (typeof m['event'] === 'string') return this.onEvent(m);
    const id = m['id'];
    const w = typeof id === 'string' ? this.inFlight.get(id) : undefined;
    if (!w) {
      // Unmatched replies are a protocol breach only if they are not late
      // answers to commands we already timed out on; either way, keep going.
      return;
    }
    this.inFlight.delete(id as string);
    clearTimeout(w.timer);
    if ('return' in m) return w.resolve(m['return']);
    const e = m['error'] as { class?: unknown; desc?: unknown } | undefined;
    if (e && typeof e === 'object') return w.reject(new QmpCommandError(w.command, String(e.class ?? '?'), String(e.desc ?? ''), this.log.snapshot()));
    this.fail(new MalformedReplyError(CHANNEL, line, `"return" or "error" in the reply to ${w.command}`, this.log.snapshot()));
  }

  private onEvent(m: Record<string, unknown>): void {
    const e: QmpEvent = {
      event: m['event'] as string,
      data: (m['data'] as Record<string, unknown>) ?? {},
      timestamp: m['timestamp'] as QmpEvent['timestamp'],
      seq: this.eventCount++,
    };
    if (this.history.length >= EVENT_HISTORY) this.history.shift();
    this.history.push(e);
    this.eventWaiters.offer(e);
  }

  protected rejectInFlight(err: Error): void {
    for (const w of this.inFlight.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.inFlight.clear();
    this.eventWaiters.rejectAll(err);
    this.pendingHandshakeReject?.(err);
    this.pendingHandshakeReject = undefined;
    this.greetingWaiter = undefined;
  }
}
