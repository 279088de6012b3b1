import { expect } from 'chai';
import { sourcesForSuite, sourcesForSuites, systemCodename, type AptTarget } from '../../harness/debian/apt-sources.js';
import { EnvironmentError } from '../../harness/errors.js';

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

  it('another release: its codename, updates and security on the system\'s own archive and security locations', () => {
    const k = '[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]';
    expect(sourcesForSuite(targets, 'trixie-backports')).to.deep.equal([
      `deb ${k} ${MIRROR} trixie main`,
      `deb ${k} ${MIRROR} trixie-updates main`,
      `deb ${k} ${SECURITY} trixie-security main`,
      `deb ${k} ${MIRROR} trixie-backports main`,
    ]);
  });

  it('sid has no updates or security pockets', () => {
    expect(sourcesForSuite(targets, 'sid')).to.deep.equal([`deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${MIRROR} sid main`]);
  });

  it('several suites: each entry once', () => {
    const lines = sourcesForSuites(targets, ['bookworm', 'bookworm-backports', 'trixie', 'trixie-backports', 'sid']);
    expect(new Set(lines).size).to.equal(lines.length);
    expect(lines.filter((l) => / trixie main$/.test(l))).to.have.length(1);
    expect(lines.filter((l) => l.includes('bookworm'))).to.have.length(4);
  });

  it("the system's codename is its Debian main entry's", () => {
    expect(systemCodename(targets)).to.equal('bookworm');
  });

  it('says what to do when the system has no Debian main entry at all', () => {
    expect(() => sourcesForSuite([{ uri: SECURITY, release: 'bookworm-security', component: 'main' }], 'trixie')).to.throw(EnvironmentError, /fix:/);
  });
});
