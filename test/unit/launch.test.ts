import { expect } from 'chai';
import { describeLaunch, launchCommand, SYSTEM_LIBRARIES } from '../../harness/qemu/launch.js';

describe('how a QEMU build is started', () => {
  it('with the machine libraries: the binary itself', () => {
    expect(launchCommand('/q/qemu', SYSTEM_LIBRARIES, ['-version'])).to.deep.equal({ file: '/q/qemu', args: ['-version'] });
    expect(describeLaunch(SYSTEM_LIBRARIES)).to.equal('system libraries');
  });

  it('with its own: through the closure loader, its library folders only, QEMU keeping its name', () => {
    const own = { libraries: 'own', loader: '/c/ld.so', libraryPath: ['/c/lib', '/c/lib/pulse'], argv0: true } as const;
    expect(launchCommand('/c/qemu', own, ['-S'])).to.deep.equal({ file: '/c/ld.so', args: ['--library-path', '/c/lib:/c/lib/pulse', '--argv0', '/c/qemu', '/c/qemu', '-S'] });
    // bullseye's loader (glibc 2.31) has no --argv0: the program's path is its argv[0] then.
    expect(launchCommand('/c/qemu', { ...own, argv0: false }, ['-S'])).to.deep.equal({ file: '/c/ld.so', args: ['--library-path', '/c/lib:/c/lib/pulse', '/c/qemu', '-S'] });
    expect(describeLaunch(own)).to.match(/own libraries/);
  });
});
