/**
 * QMP on a private socket, the one way every QEMU here is monitored (the
 * machine under test, the probe of a build, the box's outer QEMU): the
 * arguments that create it and the negotiated client on it.
 */
import type net from 'node:net';
import { LineChannel } from '../protocol/line-channel.js';
import { QmpClient, type QmpClientOptions } from '../protocol/qmp-client.js';
import { Timeline } from '../timeline.js';

export const QMP_SOCKET = 'qmp.sock';

/** -qmp with a chardev (not -mon, which 11.1 deprecated): the same on 7.2 through 11.1. */
export const qmpArgs = (socketPath: string) => ['-chardev', `socket,id=qmp,path=${socketPath}`, '-qmp', 'chardev:qmp'];

/** Greeting and capabilities negotiated; a timeline of its own unless one is given. */
export function connectQmp(socket: net.Socket, opts: Partial<QmpClientOptions> = {}): Promise<QmpClient> {
  return QmpClient.connect(new LineChannel(socket, { name: 'qmp' }), { log: opts.log ?? new Timeline(32), timeoutMs: 10_000, ...opts });
}
