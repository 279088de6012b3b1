/**
 * The KVM path's pieces that need no KVM: the interrupt-counting firmware's
 * bytes (disassembled with objdump where it is installed), the APIC
 * mailbox's messages, the accelerator axis (builds, labels, combination
 * keys), the box's KVM switch and the source mutant's patch.
 */
import { expect } from 'chai';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COUNTS_AT, interruptCountingFirmware, READY_AT, READY_MAGIC } from '../../harness/qemu/interrupt-counting-firmware.js';
import { ApicMailbox } from '../../harness/irq/apic-mailbox.js';
import type { QtestClient } from '../../harness/protocol/qtest-client.js';
import { buildsUnder, runAccels } from '../../harness/runner/run-accel.js';
import type { QemuBuild } from '../../harness/builds/qemu-build.js';
import { combinationKey, combinationOf } from '../../harness/results/combination.js';
import type { CaseResult } from '../../harness/results/run-report.js';
import { jobArchive } from '../../harness/box/job-archive.js';
import { initScript, KVM_DRIVER } from '../../harness/box/init-script.js';
import { mutate } from '../../harness/regressions/source-mutants.js';
import { EnvironmentError } from '../../harness/errors.js';

async function disassemble(rom: Buffer, from: number, to: number): Promise<string[] | undefined> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'msix-fw-')), 'rom.bin');
  fs.writeFileSync(file, rom);
  try {
    const r = await execa('objdump', ['-D', '-b', 'binary', '-m', 'i8086', `--start-address=${from}`, `--stop-address=${to}`, file], { reject: false });
    if (r.exitCode !== 0) return undefined;
    return r.stdout.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => l.split('\t').at(-1)!.replace(/\s+/g, ' ').trim());
  } catch {
    return undefined;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('interrupt-counting firmware', () => {
  const rom = interruptCountingFirmware();

  it('is a 64 KiB image whose reset vector jumps far into its entry in segment 0xF000', () => {
    expect(rom.length).to.equal(0x10000);
    expect([...rom.subarray(0xfff0, 0xfff5)]).to.deep.equal([0xea, 0x00, 0xe0, 0x00, 0xf0]);
  });

  it("vector v's stub adds one to the dword at COUNTS_AT + 4v and jumps to the shared EOI", () => {
    for (const v of [0, 0x20, 0x41, 0xff]) {
      const at = 0xe100 + 8 * v;
      expect([...rom.subarray(at, at + 3)], `vector ${v}`).to.deep.equal([0x66, 0xff, 0x06]);
      expect(rom.readUInt16LE(at + 3)).to.equal(COUNTS_AT + 4 * v);
      expect(rom[at + 5]).to.equal(0xe9);
      expect((at + 8 + rom.readUInt16LE(at + 6)) & 0xffff).to.equal(0xe100 + 8 * 256);
    }
  });

  it('disassembles to: vector table filled, x2APIC on, ready word written, sti/hlt loop; EOI through the x2APIC MSR, then iret', async function () {
    const entry = await disassemble(rom, 0xe000, 0xe05a);
    if (!entry) return this.skip();
    expect(entry.join('; ')).to.match(/loop 0xe01d.*mov \$0x1b,%ecx; rdmsr; or \$0xc00,%eax; wrmsr; mov \$0x80f,%ecx; mov \$0x1ff,%eax.*wrmsr/);
    expect(entry.join('; ')).to.include(`movl $0x${READY_MAGIC.toString(16)},0x${READY_AT.toString(16)}`);
    expect(entry.slice(-3)).to.deep.equal(['sti', 'hlt', 'jmp 0xe056']);
    const eoi = await disassemble(rom, 0xe900, 0xe91b);
    expect(eoi!.join('; ')).to.match(/mov \$0x80b,%ecx; xor %eax,%eax; xor %edx,%edx; wrmsr;.*iret$/);
  });
});

describe('APIC mailbox', () => {
  const m = new ApicMailbox({} as QtestClient, COUNTS_AT, 4096);

  it('aims each slot at local APIC 0 with a vector of its own; the MSI slot gets 0xFE', () => {
    expect(m.message(0)).to.deep.equal({ address: 0xfee00000, data: 0x20 });
    expect(m.message(65)).to.deep.equal({ address: 0xfee00000, data: 0x61 });
    expect(m.message(4096).data).to.equal(0xfe);
  });

  it('refuses a slot it has no vector for', () => {
    expect(() => m.message(0xde)).to.throw(RangeError, /slots 0\.\.221/);
  });
});

describe('the accelerator axis', () => {
  const build = { spec: 'debian:bookworm', label: '7.2.22 (debian:bookworm)', accel: 'tcg-stopped', hasKvm: true } as unknown as QemuBuild;

  it('--accel and --irqchip become the accelerators of a run', () => {
    expect(runAccels()).to.deep.equal(['tcg']);
    expect(runAccels('kvm')).to.deep.equal(['kvm-split']);
    expect(runAccels('both', 'both')).to.deep.equal(['tcg', 'kvm-split', 'kvm-on']);
    expect(runAccels('kvm', 'on')).to.deep.equal(['kvm-on']);
  });

  it('each build once per accelerator, the KVM ones labelled so', () => {
    const b = buildsUnder([build], ['tcg', 'kvm-split']);
    expect(b.map((x) => [x.accel, x.label])).to.deep.equal([
      ['tcg-stopped', '7.2.22 (debian:bookworm)'],
      ['kvm-split', '7.2.22 (debian:bookworm) [KVM, kernel-irqchip=split]'],
    ]);
  });

  it('refuses KVM for a build without it, by name', () => {
    expect(() => buildsUnder([{ ...build, hasKvm: false }], ['kvm-on'])).to.throw(EnvironmentError, /7\.2\.22 \(debian:bookworm\) was built without KVM/);
  });

  it('a KVM result is a combination of its own; a TCG one keeps its old key', () => {
    const r = (accel: string) => ({ id: 'vfio.e1000e.delivery-counts', qemu: { spec: 'debian:bookworm', accel }, hostKernel: '6.12.118' }) as unknown as CaseResult;
    expect(combinationKey(combinationOf(r('tcg-stopped')))).to.equal('vfio.e1000e.delivery-counts@debian:bookworm@6.12.118');
    expect(combinationKey(combinationOf(r('kvm-on')))).to.equal('vfio.e1000e.delivery-counts@debian:bookworm+kvm-on@6.12.118');
  });
});

describe('the box loads KVM when asked', () => {
  it('the job asks for kvm_amd and sets BOX_KVM; the init fails the boot where /dev/kvm does not appear', () => {
    const job = jobArchive({ command: ['true'], cwd: '/', env: {}, vfioBdfs: [], kvm: true, nonce: 'n' }).toString('latin1');
    expect(job).to.include(`BOX_HOST_DRIVERS="${KVM_DRIVER}"`).and.include('BOX_KVM="1"');
    expect(jobArchive({ command: ['true'], cwd: '/', env: {}, vfioBdfs: [], nonce: 'n' }).toString('latin1')).to.include('BOX_KVM=""');
    expect(initScript([], {})).to.match(/if \[ -n "\$BOX_KVM" \]; then\n\s+\[ -c \/dev\/kvm \] \|\| fail "no \/dev\/kvm after loading kvm_amd/);
  });
});

describe('source mutant kvm-masked-irqfd', () => {
  const fn = (body: string) => `\nstatic void other(void)\n{\n    if (vector->virq >= 0) {\n    }\n}\n\nstatic void vfio_msix_vector_release(PCIDevice *pdev, unsigned int nr)\n{\n${body}\n}\n`;

  it('changes the branch in vfio_msix_vector_release only', () => {
    const out = mutate('kvm-masked-irqfd', fn('    if (vector->virq >= 0) {\n        switch_to_qemu_fd();\n    }'));
    expect(out).to.include('if (0 /* msix-harness mutant kvm-masked-irqfd */ && vector->virq >= 0) {\n        switch_to_qemu_fd();');
    expect(out.match(/if \(vector->virq >= 0\)/g)).to.have.length(1);
  });

  it('fails loudly where the source changed', () => {
    expect(() => mutate('kvm-masked-irqfd', fn('    if (vector->kvm_route) {\n    }'))).to.throw(/update mutant kvm-masked-irqfd/);
    expect(() => mutate('kvm-masked-irqfd', '\nstatic void nothing(void)\n{\n}\n')).to.throw(/not found/);
  });
});
