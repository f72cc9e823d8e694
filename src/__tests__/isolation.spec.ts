/**
 * The sidebar's line on how trial runs are isolated: which kernel layers are missing.
 */
import { isolationMissing } from '../isolation';

describe('isolationMissing', () => {
  it('names nothing when Landlock and seccomp are both enforced', () => {
    const layers = { landlock: true, seccomp: true, no_new_privs: true };
    expect(isolationMissing({ layers, landlock_abi: 7, summary: '' })).toBe('');
  });

  it('names each missing kernel layer (macOS, an old kernel)', () => {
    const layers = { landlock: false, seccomp: false, no_new_privs: false };
    expect(isolationMissing({ layers, landlock_abi: 0, summary: '' })).toBe(
      'landlock seccomp'
    );
    expect(
      isolationMissing({
        layers: { landlock: false, seccomp: true },
        landlock_abi: 0,
        summary: ''
      })
    ).toBe('landlock');
  });
});
