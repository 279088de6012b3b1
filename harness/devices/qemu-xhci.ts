/**
 * QEMU's xHCI controller (qemu-xhci, 1b36:000d): 16 interrupters, one MSI-X
 * vector each, table in BAR0. A usb-kbd sits on its root port 1 (a child
 * device on the controller's own bus), because only transfers can target
 * an interrupter other than 0.
 *
 * Firing vector N is the controller's own work, as a guest's driver gets
 * it: a GET_DESCRIPTOR control transfer on the keyboard's default control
 * endpoint whose Status TRB asks for a completion event on interrupter N.
 * The Transfer Event lands in interrupter N's event ring and raises its
 * interrupt; the plugin consumes it as a driver does (ERDP moved past it,
 * Event Handler Busy cleared), which QEMU requires before that interrupter
 * interrupts again. The Setup and Data TRBs ask for no event, so one fire
 * is one event. QEMU's xhci has no moderation timer (IMOD is only stored).
 *
 * Setting up (controller reset, rings, Enable Slot, Address Device) runs
 * with interrupts off (USBCMD.INTE and every IMAN.IE clear), so its
 * command completion and port status events send nothing; their pending
 * state is cleared before interrupts go on. Each fire enables its
 * interrupter (IMAN.IE) again, as a driver's interrupter setup would, so
 * that a case's own order of MSI-X Enable and device setup is what it
 * tests; sourcesBeforeMsix() enables them once, before MSI-X, and never
 * again (the order Linux avoids, see the known bug xhci-iman-before-msix-enable).
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';
import { pollUntil } from '../poll.js';

const INTERRUPTERS = 16;
const CAP = { CAPLENGTH: 0x00, HCSPARAMS1: 0x04, DBOFF: 0x14, RTSOFF: 0x18 } as const;
const OP = { USBCMD: 0x00, USBSTS: 0x04, CRCR: 0x18, DCBAAP: 0x30, CONFIG: 0x38, PORTSC1: 0x400 } as const;
/** One interrupter's registers, at runtime base + 0x20 + 32 * N. */
const IR = { IMAN: 0x00, IMOD: 0x04, ERSTSZ: 0x08, ERSTBA: 0x10, ERDP: 0x18 } as const;
const USBCMD = { RS: 1 << 0, HCRST: 1 << 1, INTE: 1 << 2 } as const;
const USBSTS = { HCH: 1 << 0, CNR: 1 << 11 } as const;
const IMAN = { IP: 1 << 0, IE: 1 << 1 } as const;
const PORTSC_CCS = 1;
const ERDP_EHB = 1 << 3;
const TRB_BYTES = 16;
const TRB_CYCLE = 1;
const TRB_TYPE_SHIFT = 10;
const TRB = { SETUP: 2, DATA: 3, STATUS: 4, LINK: 6, ENABLE_SLOT: 9, ADDRESS_DEVICE: 11, TRANSFER_EVENT: 32, COMMAND_COMPLETION: 33 } as const;
const LINK_TOGGLE_CYCLE = 1 << 1;
const TRB_IOC = 1 << 5;
const SETUP_IDT = 1 << 6;
/** Setup TRB Transfer Type 3 (IN data stage); Data TRB direction IN. */
const SETUP_TRT_IN = 3 << 16;
const DATA_DIR_IN = 1 << 16;
const INTERRUPTER_TARGET_SHIFT = 22;
const COMPLETION_SUCCESS = 1;
/** GET_DESCRIPTOR (device), 8 bytes: bmRequestType 0x80, bRequest 6, wValue 0x0100, wLength 8. */
const GET_DEVICE_DESCRIPTOR_8 = 0x80n | (6n << 8n) | (0x0100n << 16n) | (8n << 48n);
const DESCRIPTOR_BYTES = 8;
/** Ring sizes in TRBs; QEMU takes event ring segments of 16 TRBs and up. */
const RING_TRBS = 16;
/** A control transfer's TRBs: Setup, Data, Status. */
const TD_TRBS = 3;
/** ERST entries are 64-byte aligned. */
const ERST_ENTRY = 64;
const PAGE = 0x1000;
const WAIT_MS = 2000;
/** The keyboard's hub port (usb-kbd port=1). */
const KEYBOARD_PORT = 1;

/** A ring the guest produces (command, transfer) or consumes (event): where it is, the next TRB and its cycle state. */
interface Ring {
  readonly base: number;
  index: number;
  cycle: number;
}

interface Running {
  readonly cmd: Ring;
  readonly ep0: Ring;
  readonly events: Ring[];
  readonly slot: number;
}

function attach(dev: DeviceHandle): DeviceDriver {
  const mem = dev.ram.alloc(8 * PAGE, PAGE, 'xhci rings and contexts');
  const at = { cmd: mem, dcbaa: mem + PAGE, input: mem + 2 * PAGE, output: mem + 3 * PAGE, ep0: mem + 4 * PAGE, buffer: mem + 5 * PAGE, erst: mem + 6 * PAGE, events: mem + 7 * PAGE };
  const q = dev.fn.qtest;
  let running: Running | undefined;
  /** Set by sourcesBeforeMsix: interrupters were enabled once, and fire() leaves IMAN alone. */
  let enabledOnce = false;

  const mmio = () => dev.fn.bar(0);
  const regs = async () => {
    const m = mmio();
    const rt = (await m.readl(CAP.RTSOFF)) & ~0x1f;
    return { m, op: (await m.readl(CAP.CAPLENGTH)) & 0xff, ir: (n: number) => rt + 0x20 + 32 * n, db: (await m.readl(CAP.DBOFF)) & ~0x3 };
  };
  const waitFor = <T>(what: string, ask: () => Promise<T>, done: (v: T) => boolean) =>
    pollUntil(ask, done, { timeoutMs: WAIT_MS, intervalMs: 1, timeout: (last) => new Error(`qemu-xhci: waited ${WAIT_MS} ms for ${what} (last read ${String(last)})`) });

  /** Write one TRB at the ring's producer position with its cycle bit, and move on; a Link TRB back to the start when a TD would not fit. */
  async function produce(ring: Ring, param: bigint, status: number, control: number, room = 1): Promise<void> {
    if (ring.index + room > RING_TRBS - 1) {
      const link = ring.base + ring.index * TRB_BYTES;
      await q.writeq(link, BigInt(ring.base));
      await q.writel(link + 8, 0);
      await q.writel(link + 12, (TRB.LINK << TRB_TYPE_SHIFT) | LINK_TOGGLE_CYCLE | ring.cycle);
      ring.index = 0;
      ring.cycle ^= 1;
    }
    const trb = ring.base + ring.index * TRB_BYTES;
    await q.writeq(trb, param);
    await q.writel(trb + 8, status);
    await q.writel(trb + 12, control | ring.cycle);
    ring.index++;
  }

  /** Wait for the next event on interrupter n, check it, and hand it back to the controller (ERDP past it, EHB cleared). */
  async function consume(n: number, ring: Ring, wanted: number, what: string): Promise<number> {
    const r = await regs();
    const trb = ring.base + ring.index * TRB_BYTES;
    const control = await waitFor(`${what} in interrupter ${n}'s event ring, entry ${ring.index}`, () => q.readl(trb + 12), (c) => (c & TRB_CYCLE) === ring.cycle);
    const status = await q.readl(trb + 8);
    const type = (control >>> TRB_TYPE_SHIFT) & 0x3f;
    if (type !== wanted || status >>> 24 !== COMPLETION_SUCCESS) throw new Error(`qemu-xhci: ${what}: interrupter ${n}'s event is TRB type ${type} with completion code ${status >>> 24}, not a successful type ${wanted}`);
    ring.index++;
    if (ring.index === RING_TRBS) {
      ring.index = 0;
      ring.cycle ^= 1;
    }
    await r.m.writel(r.ir(n) + IR.ERDP, (ring.base + ring.index * TRB_BYTES) | ERDP_EHB);
    await r.m.writel(r.ir(n) + IR.ERDP + 4, 0);
    return control;
  }

  async function halt(): Promise<void> {
    const { m, op } = await regs();
    await m.writel(op + OP.USBCMD, 0);
    await waitFor('USBSTS.HCH after clearing Run/Stop', () => m.readl(op + OP.USBSTS), (s) => !!(s & USBSTS.HCH));
  }

  async function command(r: Running, type: number, param: bigint, control: number): Promise<number> {
    const { m, db } = await regs();
    await produce(r.cmd, param, 0, (type << TRB_TYPE_SHIFT) | control);
    await m.writel(db, 0);
    return consume(0, r.events[0]!, TRB.COMMAND_COMPLETION, `the completion of command type ${type}`);
  }

  /** Reset and run the controller with interrupts off, the keyboard's slot addressed; then clear what setup left pending. */
  async function start(): Promise<Running> {
    const { m, op, ir } = await regs();
    await halt();
    await m.writel(op + OP.USBCMD, USBCMD.HCRST);
    await waitFor('the end of Host Controller Reset', async () => ((await m.readl(op + OP.USBCMD)) & USBCMD.HCRST) | ((await m.readl(op + OP.USBSTS)) & USBSTS.CNR), (busy) => busy === 0);
    await q.memset(mem, 8 * PAGE, 0);
    await m.writel(op + OP.CONFIG, 1);
    await m.writel(op + OP.DCBAAP, at.dcbaa);
    await m.writel(op + OP.DCBAAP + 4, 0);
    await m.writel(op + OP.CRCR, at.cmd | TRB_CYCLE);
    await m.writel(op + OP.CRCR + 4, 0);
    const events: Ring[] = [];
    for (let n = 0; n < INTERRUPTERS; n++) {
      const ring = at.events + n * RING_TRBS * TRB_BYTES;
      const entry = at.erst + n * ERST_ENTRY;
      await q.writeq(entry, BigInt(ring));
      await q.writel(entry + 8, RING_TRBS);
      await m.writel(ir(n) + IR.IMAN, 0);
      await m.writel(ir(n) + IR.IMOD, 0);
      await m.writel(ir(n) + IR.ERSTSZ, 1);
      await m.writel(ir(n) + IR.ERDP, ring);
      await m.writel(ir(n) + IR.ERDP + 4, 0);
      await m.writel(ir(n) + IR.ERSTBA, entry);
      await m.writel(ir(n) + IR.ERSTBA + 4, 0);
      events.push({ base: ring, index: 0, cycle: 1 });
    }
    await m.writel(op + OP.USBCMD, USBCMD.RS);
    await waitFor('USBSTS.HCH clear after Run/Stop', () => m.readl(op + OP.USBSTS), (s) => !(s & USBSTS.HCH));
    // The keyboard is on the USB 2 root port that shares hub port 1 (xhci lists its USB 3 ports first): find it as a driver does, by Current Connect Status.
    const ports = (await m.readl(CAP.HCSPARAMS1)) >>> 24;
    let port = 0;
    for (let p = 1; p <= ports && !port; p++) if ((await m.readl(op + OP.PORTSC1 + 0x10 * (p - 1))) & PORTSC_CCS) port = p;
    if (!port) {
      const usb = await dev.qmp.execute<string>('human-monitor-command', { 'command-line': 'info usb' }).catch((e: unknown) => `(info usb: ${String(e)})`);
      throw new Error(`qemu-xhci: no root port of ${ports} has a device connected; QEMU's info usb: ${usb.trim() || 'none'}`);
    }
    // The keyboard's connection may have posted Port Status Change events: skip them.
    const ev0 = events[0]!;
    for (;;) {
      const control = await q.readl(ev0.base + ev0.index * TRB_BYTES + 12);
      if ((control & TRB_CYCLE) !== ev0.cycle) break;
      ev0.index++;
    }
    await m.writel(ir(0) + IR.ERDP, (ev0.base + ev0.index * TRB_BYTES) | ERDP_EHB);
    const r: Running = { cmd: { base: at.cmd, index: 0, cycle: 1 }, ep0: { base: at.ep0, index: 0, cycle: 1 }, events, slot: 0 };
    const slot = (await command(r, TRB.ENABLE_SLOT, 0n, 0)) >>> 24;
    // Input context: add the slot and EP0; the slot on the keyboard's root port; EP0 a control endpoint (type 4), CErr 3, 8-byte packets.
    await q.writel(at.input + 4, 0x3);
    await q.writel(at.input + 32, 1 << 27);
    await q.writel(at.input + 36, port << 16);
    await q.writel(at.input + 64 + 4, (4 << 3) | (3 << 1) | (8 << 16));
    await q.writeq(at.input + 64 + 8, BigInt(at.ep0 | TRB_CYCLE));
    await q.writel(at.input + 64 + 16, 8);
    await q.writeq(at.dcbaa + slot * 8, BigInt(at.output));
    await command(r, TRB.ADDRESS_DEVICE, BigInt(at.input), slot << 24);
    // Setup left interrupter 0 pending (IMAN.IP) with nothing sent; clear it before interrupts go on.
    await m.writel(ir(0) + IR.IMAN, IMAN.IP);
    await m.writel(op + OP.USBSTS, 1 << 3);
    await m.writel(op + OP.USBCMD, USBCMD.RS | USBCMD.INTE);
    return { ...r, slot };
  }

  async function enableInterrupter(n: number): Promise<void> {
    const { m, ir } = await regs();
    await m.writel(ir(n) + IR.IMAN, IMAN.IE);
  }

  async function controller(): Promise<Running> {
    const { m, op } = await regs();
    if (running && !((await m.readl(op + OP.USBSTS)) & USBSTS.HCH)) return running;
    // Halted under us (a reset): set up again, and enable each interrupter as its fire comes.
    enabledOnce = false;
    running = await start();
    return running;
  }

  return {
    // A halted controller: no event, no interrupt pending; the next fire sets it up again.
    async reset() {
      running = undefined;
      enabledOnce = false;
      await halt();
    },
    async fire(vector) {
      const r = await controller();
      if (!enabledOnce) await enableInterrupter(vector);
      const { m, db } = await regs();
      await produce(r.ep0, GET_DEVICE_DESCRIPTOR_8, DESCRIPTOR_BYTES, (TRB.SETUP << TRB_TYPE_SHIFT) | SETUP_IDT | SETUP_TRT_IN, TD_TRBS);
      await produce(r.ep0, BigInt(at.buffer), DESCRIPTOR_BYTES, (TRB.DATA << TRB_TYPE_SHIFT) | DATA_DIR_IN);
      await produce(r.ep0, 0n, vector << INTERRUPTER_TARGET_SHIFT, (TRB.STATUS << TRB_TYPE_SHIFT) | TRB_IOC);
      // Doorbell of the keyboard's slot, target 1: its default control endpoint.
      await m.writel(db + 4 * r.slot, 1);
      await consume(vector, r.events[vector]!, TRB.TRANSFER_EVENT, 'the Transfer Event of a GET_DESCRIPTOR');
    },
    async sourcesBeforeMsix() {
      running = await start();
      for (let n = 0; n < INTERRUPTERS; n++) await enableInterrupter(n);
      enabledOnce = true;
      return `the controller running with all ${INTERRUPTERS} interrupters enabled (IMAN.IE, USBCMD.INTE), and left so`;
    },
  };
}

export const qemuXhci: DevicePlugin = {
  name: 'qemu-xhci',
  driver: 'qemu-xhci',
  pciIds: [[0x1b36, 0x000d]],
  interruptModes: ['msix'],
  msixVectors: INTERRUPTERS,
  msixTableBar: 0,
  children: [`usb-kbd,port=${KEYBOARD_PORT}`],
  attach,
};
