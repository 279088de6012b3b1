/**
 * The firmware a KVM machine runs instead of SeaBIOS: the vCPU counts the
 * interrupts its local APIC hands it, one dword per x86 vector in guest
 * RAM, and touches nothing else the harness set up.
 *
 * Why: under KVM a vfio vector's message goes from the host's interrupt
 * handler through an irqfd straight into KVM's local APIC; QEMU never sees
 * it, and its address is decoded as an APIC destination, never written to
 * memory. The only place it shows is the CPU. So the vCPU runs: in real
 * mode it fills the interrupt vector table with one stub per vector, turns
 * its local APIC on in x2APIC mode (MSRs work in real mode; KVM offers
 * x2APIC to every guest), then idles in sti; hlt. Each stub adds one to its
 * vector's dword and signals EOI, so a second message on the same vector
 * is counted again: exact counts, where the APIC's IRR alone would merge
 * them. SeaBIOS would re-place every BAR the harness placed.
 *
 * Hand-assembled (16-bit code, each instruction with its mnemonic below);
 * the unit test disassembles it where objdump is present.
 */

/** Guest-physical address of the first counter: counter v (x86 vector v) is the dword at COUNTS_AT + 4v. */
export const COUNTS_AT = 0x1000;
/** The firmware writes READY_MAGIC here once the vector table is filled and the local APIC enabled. */
export const READY_AT = 0x0f00;
export const READY_MAGIC = 0x4b564d31; // 'KVM1'

/** 64 KiB: QEMU maps it below 4 GiB and its copy below 1 MiB (0xF0000), where real mode runs it. */
const ROM_BYTES = 0x10000;
/** Offsets in the ROM, which real mode sees as segment 0xF000. */
const ENTRY = 0xe000;
const STUBS = 0xe100;
const STUB_BYTES = 8;
const EOI = STUBS + 256 * STUB_BYTES;
const RESET_VECTOR = 0xfff0;
const SEGMENT = 0xf000;
const STACK_TOP = 0x7000;

const w16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const w32 = (v: number) => [...w16(v & 0xffff), ...w16(v >>> 16)];

function entry(): number[] {
  const head = [
    0xfa, //                                   cli
    0x31, 0xc0, //                             xor ax,ax
    0x8e, 0xd8, //                             mov ds,ax
    0x8e, 0xc0, //                             mov es,ax
    0x8e, 0xd0, //                             mov ss,ax
    0xbc, ...w16(STACK_TOP), //                mov sp,STACK_TOP
    0xbf, ...w16(COUNTS_AT), //                mov di,COUNTS_AT
    0xb9, ...w16(512), //                      mov cx,512
    0xfc, //                                   cld
    0xf3, 0xab, //                             rep stosw            ; counters to 0
    0x31, 0xff, //                             xor di,di
    0xb8, ...w16(STUBS), //                    mov ax,STUBS
    0xb9, ...w16(256), //                      mov cx,256
  ];
  const loop = [
    0x89, 0x05, //                             fill: mov [di],ax    ; vector v: STUBS + 8v ...
    0xc7, 0x45, 0x02, ...w16(SEGMENT), //     mov word [di+2],SEGMENT ; ... in segment 0xF000
    0x83, 0xc0, STUB_BYTES, //                 add ax,8
    0x83, 0xc7, 0x04, //                       add di,4
  ];
  const tail = [
    0x66, 0xb9, ...w32(0x1b), //               mov ecx,IA32_APIC_BASE
    0x0f, 0x32, //                             rdmsr
    0x66, 0x0d, ...w32(0xc00), //              or eax,EN|EXTD       ; x2APIC mode
    0x0f, 0x30, //                             wrmsr
    0x66, 0xb9, ...w32(0x80f), //              mov ecx,x2APIC SVR
    0x66, 0xb8, ...w32(0x1ff), //              mov eax,0x1ff        ; APIC software-enabled, spurious vector 0xff
    0x66, 0x31, 0xd2, //                       xor edx,edx
    0x0f, 0x30, //                             wrmsr
    0x66, 0xc7, 0x06, ...w16(READY_AT), ...w32(READY_MAGIC), // mov dword [READY_AT],READY_MAGIC
    0xfb, //                                   idle: sti
    0xf4, //                                   hlt
    0xeb, 0xfc, //                             jmp idle
  ];
  const back = -(loop.length + 2);
  return [...head, ...loop, 0xe2, back & 0xff /* loop fill */, ...tail];
}

/** Vector v's stub: inc dword [COUNTS_AT + 4v]; jmp EOI. */
function stub(v: number): number[] {
  const at = STUBS + v * STUB_BYTES;
  return [0x66, 0xff, 0x06, ...w16(COUNTS_AT + 4 * v), 0xe9, ...w16((EOI - (at + STUB_BYTES)) & 0xffff)];
}

const eoi = [
  0x66, 0x50, 0x66, 0x51, 0x66, 0x52, //       push eax; push ecx; push edx
  0x66, 0xb9, ...w32(0x80b), //                mov ecx,x2APIC EOI
  0x66, 0x31, 0xc0, //                         xor eax,eax
  0x66, 0x31, 0xd2, //                         xor edx,edx
  0x0f, 0x30, //                               wrmsr
  0x66, 0x5a, 0x66, 0x59, 0x66, 0x58, //       pop edx; pop ecx; pop eax
  0xcf, //                                     iret
];

let built: Buffer | undefined;

/** The ROM image, for -bios (assembled once per process: every KVM machine starts with it). */
export function interruptCountingFirmware(): Buffer {
  return (built ??= assemble());
}

function assemble(): Buffer {
  const rom = Buffer.alloc(ROM_BYTES, 0xf4);
  Buffer.from(entry()).copy(rom, ENTRY);
  for (let v = 0; v < 256; v++) Buffer.from(stub(v)).copy(rom, STUBS + v * STUB_BYTES);
  Buffer.from(eoi).copy(rom, EOI);
  Buffer.from([0xea, ...w16(ENTRY), ...w16(SEGMENT)]).copy(rom, RESET_VECTOR); // jmp far SEGMENT:ENTRY
  return rom;
}
