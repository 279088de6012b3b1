import { expect } from 'chai';
import { sourcesForSuite, type AptTarget } from '../../harness/qemu/apt-sources.js';
import { EnvironmentError } from '../../harness/qemu/errors.js';

// Recorded from this machine's `apt-get indextargets` (host replaced: the project never names one).
const MIRROR = 'http://mirror.invalid/debian/';
const SECURITY = 'http://mirror.invalid/debian-security/';
const targets: AptTarget[] = [
  { uri: SECURITY, release: 'bookworm-security', component: 'main' },
  { uri: MIRROR, release: 'bookworm-updates', component: 'main' },
  { uri: MIRROR, release: 'bookworm', component: 'main' },
];

describe('apt sources derived from the system', () => {
  it('bookworm: the system entries of that codename only', () => {
    const lines = sourcesForSuite(targets, 'bookworm');
    expect(lines).to.have.length(3);
    expect(lines.every((l) => !l.includes('backports'))).to.equal(true);
  });

  it('bookworm-backports: adds the pocket on the system mirror', () => {
    const lines = sourcesForSuite(targets, 'bookworm-backports');
    expect(lines).to.include(`deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${MIRROR} bookworm-backports main`);
  });

  it('deb-src lines when asked', () => {
    expect(sourcesForSuite(targets, 'bookworm', ['deb-src']).every((l) => l.startsWith('deb-src '))).to.equal(true);
  });

  it('says what to do when the system has no entry for the codename', () => {
    expect(() => sourcesForSuite(targets, 'trixie')).to.throw(EnvironmentError, /fix:/);
  });
});
