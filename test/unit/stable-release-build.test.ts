/**
 * The 7.2 stable releases build incrementally because the version macros
 * leave config-host.h: checked on a small git tree shaped like QEMU's
 * (meson.build's four lines, a file that uses the macros, one that does not).
 */
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { splitVersionMacros } from '../../harness/regressions/stable-release.js';

const MESON = [
  "config_host_data.set('CONFIG_X', 1)",
  "config_host_data.set('QEMU_VERSION', '\"@0@\"'.format(meson.project_version()))",
  "config_host_data.set('QEMU_VERSION_MAJOR', meson.project_version().split('.')[0])",
  "config_host_data.set('QEMU_VERSION_MINOR', meson.project_version().split('.')[1])",
  "config_host_data.set('QEMU_VERSION_MICRO', meson.project_version().split('.')[2])",
  "configure_file(output: 'config-host.h', configuration: config_host_data)",
  '',
].join('\n');

describe('7.2 stable releases: the version macros move out of config-host.h after each checkout', () => {
  let tree: string;
  beforeEach(async () => {
    tree = await fs.mkdtemp(path.join(os.tmpdir(), 'msix-harness-test-'));
    await fs.mkdir(path.join(tree, 'monitor'));
    await fs.writeFile(path.join(tree, 'meson.build'), MESON);
    await fs.writeFile(path.join(tree, 'monitor', 'uses.c'), '#include "qemu/osdep.h"\nint major = QEMU_VERSION_MAJOR;\n');
    await fs.writeFile(path.join(tree, 'monitor', 'plain.c'), '#include "qemu/osdep.h"\nint x;\n');
    await execa('git', ['init', '-q'], { cwd: tree });
    await execa('git', ['add', '-A'], { cwd: tree });
  });
  afterEach(() => fs.rm(tree, { recursive: true, force: true }));

  it('meson writes them to a header of their own; only their users include it; config-host.h keeps the rest', async () => {
    await splitVersionMacros(tree);
    const meson = await fs.readFile(path.join(tree, 'meson.build'), 'utf8');
    expect(meson).to.not.match(/config_host_data\.set\('QEMU_VERSION/);
    expect(meson.match(/version_macros\.set\('QEMU_VERSION/g)).to.have.length(4);
    expect(meson).to.include("configure_file(output: 'qemu-version-macros.h', configuration: version_macros)");
    expect(meson).to.include("config_host_data.set('CONFIG_X', 1)");
    expect(meson.indexOf('version_macros = configuration_data()')).to.be.lessThan(meson.indexOf("version_macros.set('QEMU_VERSION'"));
    expect(await fs.readFile(path.join(tree, 'monitor', 'uses.c'), 'utf8')).to.equal('#include "qemu/osdep.h"\n#include "qemu-version-macros.h"\nint major = QEMU_VERSION_MAJOR;\n');
    expect(await fs.readFile(path.join(tree, 'monitor', 'plain.c'), 'utf8')).to.equal('#include "qemu/osdep.h"\nint x;\n');
  });

  it('a tree that does not set the four macros is a clear error, not a silent full rebuild', async () => {
    await fs.writeFile(path.join(tree, 'meson.build'), "config_host_data.set('CONFIG_X', 1)\n");
    let err: Error | undefined;
    await splitVersionMacros(tree).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/sets 0 QEMU_VERSION macros/);
  });
});
