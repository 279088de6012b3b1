/**
 * The package as a user installs it: `npm pack`, installed into an empty
 * folder (npm's cache first, then the registry, as npm ci does), runs
 * `msix-harness --help` and finds its
 * helpers next to the modules that run them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the packed package, installed elsewhere', function () {
  this.timeout(180_000);
  let tmp: string;
  let installed: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-pack-'));
    // --ignore-scripts: dist is already built, and prepare would rebuild it under running tests.
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tgz = path.join(tmp, (JSON.parse(out) as { filename: string }[])[0]!.filename);
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tgz], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    installed = path.join(app, 'node_modules', 'msix-harness');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('README\'s main command still starts after README\'s test command: the rebuilt bin keeps its run bit', () => {
    // npm test rebuilt dist/ before this ran, as it does on a user's checkout.
    const bin = path.join(ROOT, 'dist', 'bin', 'msix-harness.js');
    expect(fs.statSync(bin).mode & 0o111, `${bin} is not executable`).to.equal(0o111);
    const version = execFileSync('npx', ['--no-install', 'msix-harness', '--version'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(version.trim()).to.match(/\d+\.\d+\.\d+/);
  });

  it('msix-harness --help runs from the installed bin', () => {
    const help = execFileSync(path.join(installed, '..', '.bin', 'msix-harness'), ['--help'], { encoding: 'utf8' });
    expect(help).to.contain('Usage: msix-harness').and.contain('run').and.contain('bisect');
  });

  it('finds its helpers', async () => {
    const { HELPERS } = (await import(path.join(installed, 'dist/harness/host/helpers.js'))) as { HELPERS: Record<string, string> };
    for (const [name, file] of Object.entries(HELPERS)) {
      expect(file.startsWith(installed), name).to.equal(true);
      expect(fs.existsSync(file), `${name}: ${file}`).to.equal(true);
    }
  });

  it('ships no tests, benches or sources of its own build', () => {
    expect(fs.existsSync(path.join(installed, 'dist', 'test'))).to.equal(false);
    expect(fs.existsSync(path.join(installed, 'dist', 'bench'))).to.equal(false);
  });
});
