/**
 * NVMe controller (QEMU nvme, no namespace): 65 MSI-X vectors in BAR0, no MSI.
 *
 * Only completion queues interrupt, so firing vector N is one command
 * completing on a CQ bound to N. The CPUs never run: the plugin builds the
 * queues in guest RAM over qtest, and waits for the completion entry itself
 * (QEMU posts it from a bottom half, one main-loop pass later; older
 * models from a virtual-clock timer, so the plugin lets time pass), so the
 * message has been sent, or left pending, when fire() returns.
 *
 * QEMU signals a vector only if some CQ "uses" it, and the admin CQ always
 * signals vector 0. Whether a CQ created while MSI-X is off uses its vector
 * changed in QEMU: up to 11.0 it did not; from 2293d8b4bd ("hw/nvme: fix
 * admin cq msix setup", 11.1.0, backported to 10.0.10) it does, so the
 * admin CQ uses vector 0 from CC.EN=1 on. The plugin relies on neither:
 * reset() with MSI-X off sets up every queue at once (I/O queue pairs for
 * vectors 1..64, and the CQ of vector 0), with MSI-X briefly on, every
 * entry masked but vector 0, and vector 0 pointed at a scratch dword of the
 * plugin's own RAM, then puts MSI-X and the entries back as they were,
 * nothing left pending. The setup's completions land in the scratch dword on every version,
 * so nothing pends and the case's mailbox sees nothing. Vectors 1..64 then
 * fire by a Flush of all namespaces (there are none, so it completes at
 * once), vector 0 by an admin Get Features.
 *
 * Where the controller has to be started with MSI-X on (MSI-X was already
 * on at the last reset(), or a system reset came after it), the admin CQ
 * uses vector 0, and the one-time queue setup in the next fire() sends a
 * message on vector 0 too.
 */
import { MsixDriver } from '../irq/msix.js';
import * as ops from '../protocol/qtest-ops.js';
import type { BeyondTableAnswer, DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';
import { pollUntil } from '../poll.js';

/** QEMU's default msix_qsize, named on the command line all the same. */
const MSIX_VECTORS = 65;
/** I/O queue q serves vector q; the last one, with no SQ, is vector 0's CQ. */
const VECTOR0_CQID = MSIX_VECTORS;
const IO_QUEUE_PAIRS = VECTOR0_CQID;
/** The subsystem an SR-IOV nvme belongs to, and the VFs it offers. */
const SUBSYS_ID = 'msixharness-subsys';
const SRIOV_VFS = 3;

const REG = { CAP_HI: 0x04, CC: 0x14, CSTS: 0x1c, AQA: 0x24, ASQ: 0x28, ACQ: 0x30 } as const;
const CAP_HI_DSTRD_MASK = 0xf;
const AQA_ACQS_SHIFT = 16;
const CC_EN = 1;
/** Entry sizes as powers of two: 64-byte SQ entries, 16-byte CQ entries. */
const CC_IOSQES = 6 << 16;
const CC_IOCQES = 4 << 20;
const CSTS_RDY = 1;
const CSTS_CFS = 2;
const DOORBELL_BASE = 0x1000;
const DOORBELL_BYTES = 4;

const OPC = { DELETE_IO_SQ: 0x00, CREATE_IO_SQ: 0x01, DELETE_IO_CQ: 0x04, CREATE_IO_CQ: 0x05, GET_FEATURES: 0x0a, FLUSH: 0x00 } as const;
const FEATURE_NUMBER_OF_QUEUES = 0x07;
const NSID_ALL = 0xffffffff;
/** Invalid Field in Command, Do Not Retry: older models (5.2 here) answer a Flush of all namespaces so. It still posts a completion, and the completion is what signals. */
const STATUS_INVALID_FIELD_DNR = 0x4002;
/** Invalid Interrupt Vector (command specific 0x08), Do Not Retry: the answer to a CQ whose IV is past the table. */
const STATUS_INVALID_VECTOR_DNR = 0x4108;
const QUEUE_PHYS_CONTIGUOUS = 1 << 0;
const CQ_INTERRUPTS_ENABLED = 1 << 1;
/** Upper halves: the queue size in CDW10, the vector (CQ) or CQ id (SQ) in CDW11, the command id in CDW0. */
const HI_HALF = 16;

const SQE_BYTES = 64;
const SQE = { CDW0: 0, NSID: 4, PRP1: 24, CDW10: 40, CDW11: 44 } as const;
const CQE_BYTES = 16;
/** CQE dword 3: command id (15:0), phase tag (16), status (31:17). */
const CQE_DW3 = 12;
const CQE_PHASE_SHIFT = 16;
const CQE_STATUS_SHIFT = 17;
const CID_MASK = 0xffff;
const PAGE = 0x1000;
/** Holds the whole setup batch (two commands per vector) at once. */
const ADMIN_DEPTH = 256;
/** Small, so that repeated fires wrap the queues and flip the phase. */
const IO_DEPTH = 4;

/** The plugin's guest RAM, as offsets into the piece it takes from the allocator: admin SQ and CQ, an I/O pair per vector, the scratch dword. */
const RAM = { ADMIN_SQ: 0, ADMIN_CQ: 0x4000, IO: 0x5000, SCRATCH: 0xff000, END: 0x100000 } as const;
type Ram = { readonly [K in keyof typeof RAM]: number };
/** What vector 0 writes to RAM.SCRATCH during the quiet setup. */
const SCRATCH_DATA = 0x5e7c0de;
if (RAM.IO + IO_QUEUE_PAIRS * 2 * PAGE > RAM.SCRATCH || ADMIN_DEPTH * SQE_BYTES > RAM.ADMIN_CQ - RAM.ADMIN_SQ) throw new Error('nvme: queue layout does not fit');

const WAIT_MS = 2000;
const POLL_MS = 1;
/** A bottom half completes within a few polls; past these the queue waits for virtual time. */
const POLLS_BEFORE_CLOCK = 10;
/** Longer than the 500 ns queue timer of older models. */
const QUEUE_TIMER_NS = 1000;

interface Queue {
  readonly qid: number;
  readonly depth: number;
  readonly sq: number;
  readonly cq: number;
  sqTail: number;
  cqHead: number;
  phase: number;
}

interface Command {
  readonly what: string;
  readonly opcode: number;
  readonly nsid?: number;
  readonly prp1?: number;
  readonly cdw10?: number;
  readonly cdw11?: number;
  /** Error statuses that still count as the completion the plugin wants (besides 0); 'any' for a command whose answer is the point. */
  readonly alsoOk?: readonly number[] | 'any';
}

interface Controller {
  readonly dstrd: number;
  readonly admin: Queue;
  /** I/O queue pairs by vector (1..64). */
  readonly io: Map<number, Queue>;
  nextCid: number;
}

/** Per device: the controller as this plugin set it up (undefined once stopped). */
interface DeviceState {
  ctrl: Controller | undefined;
}

/** The handle with this plugin's state for the device, and its RAM (absolute addresses). */
interface NvmeHandle extends DeviceHandle {
  readonly state: DeviceState;
  readonly mem: Ram;
}

async function msixEnabled(dev: DeviceHandle): Promise<boolean> {
  const msix = await MsixDriver.attach(dev.fn);
  if (!msix) throw new Error(`${dev.fn.name}: nvme has no MSI-X capability`);
  return (await msix.control()).enabled;
}

/**
 * Poll until `done`. Where nothing moves for a while, let virtual time pass
 * between polls: older models (5.2 here) run the queues from a 500 ns
 * virtual-clock timer, newer ones from a bottom half that needs no time.
 */
async function waitFor(dev: DeviceHandle, what: string, done: () => Promise<boolean>): Promise<void> {
  let polls = 0;
  const check = async () => {
    if (++polls > POLLS_BEFORE_CLOCK && dev.runClock) await dev.runClock(QUEUE_TIMER_NS);
    return done();
  };
  const stalled = dev.runClock ? '' : ' (this machine\'s virtual clock cannot run, and older nvme models need it to)';
  await pollUntil(check, (d) => d, { timeoutMs: WAIT_MS, intervalMs: POLL_MS, timeout: () => new Error(`nvme: waited ${WAIT_MS} ms for ${what}${stalled}`) });
}

function ioQueue(mem: Ram, qid: number): Queue {
  const sq = mem.IO + (qid - 1) * 2 * PAGE;
  return { qid, depth: IO_DEPTH, sq, cq: sq + PAGE, sqTail: 0, cqHead: 0, phase: 1 };
}

function doorbell(c: Controller, qid: number, kind: 'sq' | 'cq'): number {
  return DOORBELL_BASE + (2 * qid + (kind === 'cq' ? 1 : 0)) * (DOORBELL_BYTES << c.dstrd);
}

function encode(cmd: Command, cid: number): Uint8Array {
  const sqe = new DataView(new ArrayBuffer(SQE_BYTES));
  sqe.setUint32(SQE.CDW0, (cmd.opcode | (cid << HI_HALF)) >>> 0, true);
  sqe.setUint32(SQE.NSID, cmd.nsid ?? 0, true);
  sqe.setBigUint64(SQE.PRP1, BigInt(cmd.prp1 ?? 0), true);
  sqe.setUint32(SQE.CDW10, cmd.cdw10 ?? 0, true);
  sqe.setUint32(SQE.CDW11, cmd.cdw11 ?? 0, true);
  return new Uint8Array(sqe.buffer);
}

/** Submit commands on one queue, wait until all have completed, consume the entries; their statuses. */
async function execute(dev: NvmeHandle, c: Controller, q: Queue, cmds: readonly Command[]): Promise<number[]> {
  if (cmds.length === 0) return [];
  if (cmds.length >= q.depth) throw new RangeError(`nvme: ${cmds.length} commands do not fit queue ${q.qid} (depth ${q.depth})`);
  const qt = dev.fn.qtest;
  const mmio = dev.fn.bar(0);
  const cids: number[] = [];
  const writes = cmds.map((cmd) => {
    const cid = c.nextCid;
    c.nextCid = (c.nextCid + 1) & CID_MASK;
    cids.push(cid);
    const op = ops.write(q.sq + q.sqTail * SQE_BYTES, encode(cmd, cid));
    q.sqTail = (q.sqTail + 1) % q.depth;
    return op;
  });
  await qt.pipeline(writes);
  await mmio.writel(doorbell(c, q.qid, 'sq'), q.sqTail);

  // Entry i of the batch sits at head + i, with the phase flipped past the wrap.
  const slots = cmds.map((_, i) => ({ index: (q.cqHead + i) % q.depth, phase: q.cqHead + i >= q.depth ? q.phase ^ 1 : q.phase }));
  const last = slots[slots.length - 1]!;
  const dw3At = (index: number) => q.cq + index * CQE_BYTES + CQE_DW3;
  const what = cmds.length === 1 ? cmds[0]!.what : `${cmds.length} commands (${cmds[0]!.what} .. ${cmds[cmds.length - 1]!.what})`;
  await waitFor(dev, `the completion of ${what}: phase ${last.phase} in CQ ${q.qid} entry ${last.index}`, async () => (((await qt.readl(dw3At(last.index))) >>> CQE_PHASE_SHIFT) & 1) === last.phase);
  const dw3s = await qt.pipeline(slots.map((s) => ops.readl(dw3At(s.index))));
  if (q.cqHead + cmds.length >= q.depth) q.phase ^= 1;
  q.cqHead = (q.cqHead + cmds.length) % q.depth;
  await mmio.writel(doorbell(c, q.qid, 'cq'), q.cqHead);

  return dw3s.map((dw3, i) => {
    const cid = dw3 & CID_MASK;
    const status = dw3 >>> CQE_STATUS_SHIFT;
    const cmd = cmds[i]!;
    if (((dw3 >>> CQE_PHASE_SHIFT) & 1) !== slots[i]!.phase || cid !== cids[i]) throw new Error(`nvme: CQ ${q.qid} entry ${slots[i]!.index} is not the completion of ${cmd.what} (cid 0x${cid.toString(16)}, expected 0x${cids[i]!.toString(16)})`);
    if (status !== 0 && cmd.alsoOk !== 'any' && !cmd.alsoOk?.includes(status)) throw new Error(`nvme: ${cmd.what} completed with status 0x${status.toString(16)}`);
    return status;
  });
}

function createCq(mem: Ram, qid: number, vector: number): Command {
  return {
    what: `Create I/O Completion Queue ${qid} (vector ${vector})`,
    opcode: OPC.CREATE_IO_CQ,
    prp1: ioQueue(mem, qid).cq,
    cdw10: (((IO_DEPTH - 1) << HI_HALF) | qid) >>> 0,
    cdw11: ((vector << HI_HALF) | CQ_INTERRUPTS_ENABLED | QUEUE_PHYS_CONTIGUOUS) >>> 0,
  };
}

function createSq(mem: Ram, qid: number): Command {
  return {
    what: `Create I/O Submission Queue ${qid}`,
    opcode: OPC.CREATE_IO_SQ,
    prp1: ioQueue(mem, qid).sq,
    cdw10: (((IO_DEPTH - 1) << HI_HALF) | qid) >>> 0,
    cdw11: ((qid << HI_HALF) | QUEUE_PHYS_CONTIGUOUS) >>> 0,
  };
}

/** CC.EN=0 and wait for CSTS.RDY=0: QEMU deletes every queue. */
async function stop(dev: NvmeHandle): Promise<void> {
  const mmio = dev.fn.bar(0);
  if ((await mmio.readl(REG.CC)) !== 0) await mmio.writel(REG.CC, 0);
  await waitFor(dev, 'CSTS.RDY=0 after CC.EN=0', async () => !((await mmio.readl(REG.CSTS)) & CSTS_RDY));
  dev.state.ctrl = undefined;
}

/** Fresh admin queues and CC.EN=1; no commands, so nothing signals. */
async function start(dev: NvmeHandle): Promise<Controller> {
  await stop(dev);
  const mmio = dev.fn.bar(0);
  await dev.fn.qtest.memset(dev.mem.ADMIN_SQ, dev.mem.END - dev.mem.ADMIN_SQ, 0);
  await mmio.writel(REG.AQA, (((ADMIN_DEPTH - 1) << AQA_ACQS_SHIFT) | (ADMIN_DEPTH - 1)) >>> 0);
  await mmio.writel(REG.ASQ, dev.mem.ADMIN_SQ);
  await mmio.writel(REG.ASQ + 4, 0);
  await mmio.writel(REG.ACQ, dev.mem.ADMIN_CQ);
  await mmio.writel(REG.ACQ + 4, 0);
  await mmio.writel(REG.CC, CC_IOSQES | CC_IOCQES | CC_EN);
  let csts = 0;
  await waitFor(dev, 'CSTS.RDY=1 after CC.EN=1', async () => !!((csts = await mmio.readl(REG.CSTS)) & (CSTS_RDY | CSTS_CFS)));
  if (csts & CSTS_CFS) throw new Error(`nvme: controller failed to start (CSTS 0x${csts.toString(16)})`);
  const c: Controller = {
    dstrd: (await mmio.readl(REG.CAP_HI)) & CAP_HI_DSTRD_MASK,
    admin: { qid: 0, depth: ADMIN_DEPTH, sq: dev.mem.ADMIN_SQ, cq: dev.mem.ADMIN_CQ, sqTail: 0, cqHead: 0, phase: 1 },
    io: new Map(),
    nextCid: 0,
  };
  dev.state.ctrl = c;
  return c;
}

/**
 * With MSI-X off (the case does not own it yet): every queue at once, with
 * MSI-X on only meanwhile and vector 0 sent to the plugin's scratch dword,
 * then MSI-X, entry 0 and the mask bits as they were. Leaves nothing pending.
 */
async function setUpQuietly(dev: NvmeHandle, c: Controller): Promise<void> {
  const msix = await MsixDriver.attach(dev.fn);
  if (!msix) throw new Error(`${dev.fn.name}: nvme has no MSI-X capability`);
  const entries = await msix.entries();
  for (let v = 1; v < msix.vectors; v++) if (!entries[v]!.masked) await msix.mask(v);
  await msix.program(0, { address: dev.mem.SCRATCH, data: SCRATCH_DATA });
  await msix.unmask(0);
  await msix.whileEnabled(() => createIoQueues(dev, c, [createCq(dev.mem, VECTOR0_CQID, 0)]));
  await msix.program(0, { address: entries[0]!.address, data: entries[0]!.data });
  for (let v = 0; v < msix.vectors; v++) if (v === 0 || !entries[v]!.masked) await (entries[v]!.masked ? msix.mask(v) : msix.unmask(v));
  const pending = (await msix.pendingBits()).flatMap((p, v) => (p ? [v] : []));
  if (pending.length) throw new Error(`nvme: vectors ${pending.join(', ')} pending after the quiet queue setup (vector 0 was routed to scratch)`);
}

/** The controller as set up, or a fresh one if it is not running (never started, or reset by QEMU since). */
async function running(dev: NvmeHandle): Promise<Controller> {
  const c = dev.state.ctrl;
  if (c) {
    const mmio = dev.fn.bar(0);
    const [cc, csts] = [await mmio.readl(REG.CC), await mmio.readl(REG.CSTS)];
    if (cc & CC_EN && csts & CSTS_RDY && !(csts & CSTS_CFS)) return c;
  }
  return start(dev);
}

/** Every vector's I/O queue pair at once (and `more` after them): signals vector 0 only where the admin CQ uses it. */
async function createIoQueues(dev: NvmeHandle, c: Controller, more: readonly Command[] = []): Promise<void> {
  const cmds: Command[] = [];
  const made: number[] = [];
  for (let v = 1; v < MSIX_VECTORS; v++) {
    if (c.io.has(v)) continue;
    cmds.push(createCq(dev.mem, v, v), createSq(dev.mem, v));
    made.push(v);
  }
  await execute(dev, c, c.admin, [...cmds, ...more]);
  for (const v of made) c.io.set(v, ioQueue(dev.mem, v));
}

/** A fresh controller (no I/O queue yet, so queue 1 is free) asked for a CQ on the vector one past the table. */
async function cqBeyondTable(dev: NvmeHandle): Promise<BeyondTableAnswer> {
  const c = await start(dev);
  const cmd = { ...createCq(dev.mem, 1, MSIX_VECTORS), alsoOk: 'any' as const };
  const [status] = await execute(dev, c, c.admin, [cmd]);
  return { asked: cmd.what, refused: status !== 0, answer: status === STATUS_INVALID_VECTOR_DNR ? 'Invalid Interrupt Vector (0x4108)' : `status 0x${status!.toString(16)}` };
}

function attach(handle: DeviceHandle): DeviceDriver {
  const base = handle.ram.alloc(RAM.END, PAGE, 'nvme queues');
  const mem = Object.fromEntries(Object.entries(RAM).map(([k, off]) => [k, base + off])) as unknown as Ram;
  const dev: NvmeHandle = { ...handle, state: { ctrl: undefined }, mem };
  return {
  async reset() {
    const msixOn = await msixEnabled(dev);
    await stop(dev);
    if (!msixOn) await setUpQuietly(dev, await start(dev));
  },
  async fire(vector) {
    if (!(await msixEnabled(dev))) throw new Error('nvme fires MSI-X only: enable MSI-X before fire()');
    const c = await running(dev);
    if (vector !== 0) {
      if (!c.io.has(vector)) await createIoQueues(dev, c);
      await execute(dev, c, c.io.get(vector)!, [{ what: `Flush (all namespaces) on I/O queue ${vector}`, opcode: OPC.FLUSH, nsid: NSID_ALL, alsoOk: [STATUS_INVALID_FIELD_DNR] }]);
      return;
    }
    // Vector 0 has a user here: the CQ made by the quiet setup, or the admin CQ made with MSI-X on.
    await execute(dev, c, c.admin, [{ what: 'Get Features (Number of Queues)', opcode: OPC.GET_FEATURES, cdw10: FEATURE_NUMBER_OF_QUEUES }]);
  },
  // A full SQ: depth - 1 Flushes in one doorbell write (an SQ of depth N holds N - 1 commands).
  async fillQueue(vector) {
    if (vector < 1 || vector >= MSIX_VECTORS) throw new RangeError(`nvme: vector ${vector} has no I/O queue pair of its own (1..${MSIX_VECTORS - 1})`);
    const c = await running(dev);
    if (!c.io.has(vector)) await createIoQueues(dev, c);
    const n = IO_DEPTH - 1;
    const flush = { what: `Flush (all namespaces) on I/O queue ${vector}`, opcode: OPC.FLUSH, nsid: NSID_ALL, alsoOk: [STATUS_INVALID_FIELD_DNR] };
    await execute(dev, c, c.io.get(vector)!, Array.from({ length: n }, () => flush));
    return { what: `I/O SQ ${vector} filled (${n} Flushes in one doorbell write, depth ${IO_DEPTH})`, completions: n };
  },
  nameVectorBeyondTable: () => cqBeyondTable(dev),
  // I/O queue pair v is vector v's only user; the admin CQ (vector 0) cannot be deleted.
  async deleteQueuesOf(vector) {
    if (vector < 1 || vector >= MSIX_VECTORS) throw new RangeError(`nvme: vector ${vector} has no I/O queue pair of its own to delete (1..${MSIX_VECTORS - 1})`);
    const c = await running(dev);
    if (!c.io.has(vector)) await createIoQueues(dev, c);
    await execute(dev, c, c.admin, [
      { what: `Delete I/O Submission Queue ${vector}`, opcode: OPC.DELETE_IO_SQ, cdw10: vector },
      { what: `Delete I/O Completion Queue ${vector}`, opcode: OPC.DELETE_IO_CQ, cdw10: vector },
    ]);
    c.io.delete(vector);
    // The pair made again starts at phase 1: entries the old one left with that phase must not read as new.
    const q = ioQueue(dev.mem, vector);
    await dev.fn.qtest.memset(q.sq, 2 * PAGE, 0);
    return `I/O queue pair ${vector} (SQ and CQ) deleted`;
  },
};
}

export const nvme: DevicePlugin = {
  name: 'nvme',
  hotplugsAlike: true,
  driver: 'nvme',
  pciIds: [[0x1b36, 0x0010]],
  interruptModes: ['msix'],
  msixVectors: MSIX_VECTORS,
  freeBar: 2,
  msixTableBar: 0,
  flr: true,
  // QEMU's nvme registers an unmigratable vmstate.
  migratable: false,
  deviceProps: `serial=msixharness,msix_qsize=${MSIX_VECTORS},max_ioqpairs=${IO_QUEUE_PAIRS}`,
  // QEMU's SR-IOV nvme (7.0+) wants a subsystem, flexible queue and interrupt resources (at least 2 queues and 1
  // interrupt per VF, inside max_ioqpairs and msix_qsize). Its VFs stay offline (no Virtualization Management from
  // the PF), so no plugin fires them: their tables (1 entry each) are programmed and read back.
  sriov: {
    companions: [`nvme-subsys,id=${SUBSYS_ID},nqn=msixharness`],
    // The flexible resources come out of the PF's: its table and queues are raised by as much (a later property wins).
    props: `subsys=${SUBSYS_ID},sriov_max_vfs=${SRIOV_VFS},sriov_vq_flexible=${2 * SRIOV_VFS},sriov_vi_flexible=${SRIOV_VFS},msix_qsize=${MSIX_VECTORS + SRIOV_VFS},max_ioqpairs=${IO_QUEUE_PAIRS + 2 * SRIOV_VFS}`,
  },
  box: { outerQemu: 'debian:bookworm', why: 'the box hardware stays the same on every machine', linuxDriver: 'nvme' },
  attach,
};
