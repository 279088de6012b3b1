/**
 * The error a client reports when its channel ends: an oversized line is a
 * protocol failure; otherwise the end of the stream, explained by the layer
 * above when it can (the machine layer adds QEMU's exit status).
 */
import type { CallLog } from '../timeline.js';
import { ChannelClosedError, OversizedLineError } from './errors.js';
import { describeClose, type CloseCause, type LineChannel } from './line-channel.js';

export type ExplainClose = (base: ChannelClosedError) => Promise<Error>;

export async function errorForClose(
  channel: LineChannel,
  cause: CloseCause,
  log: CallLog,
  explain: ExplainClose | undefined,
): Promise<{ state: 'failed' | 'closed'; error: Error }> {
  log.record(channel.name, '!', describeClose(cause));
  if (cause.kind === 'oversized') return { state: 'failed', error: new OversizedLineError(channel.name, channel.maxLineBytes, log.snapshot()) };
  const base = new ChannelClosedError(channel.name, describeClose(cause), log.snapshot());
  if (!explain) return { state: 'closed', error: base };
  try {
    return { state: 'closed', error: await explain(base) };
  } catch {
    return { state: 'closed', error: base };
  }
}
