import { describe, expect, it } from 'vitest';
import { isSymbolicMode, resolveMode } from './symbolic-mode.js';

describe('symbolic modes, as chmod applies them', () => {
  it.each([
    ['u=rw,g=r,o=', '0755', false, '0640'],
    ['u=rw,g=r,o=', null, false, '0640'],
    ['go-w', '0777', false, '0755'],
    ['a+x', '0644', false, '0755'],
    ['+X', '0644', false, '0644'],
    ['+X', '0644', true, '0755'],
    ['a+X', '0744', false, '0755'],
    ['u+s,g+s', '0755', false, '6755'],
    ['o+t', '0777', true, '1777'],
    ['u=rwx,go=rx', null, true, '0755'],
    ['g=', '2775', true, '2705'],
    ['0640', '0777', false, '0640'],
  ] as const)('%s on %s (directory %s) → %s', (mode, current, dir, want) => {
    expect(resolveMode(mode, current, dir)).toBe(want);
  });
  it('refuses what chmod would not take', () => {
    for (const bad of ['rwx', 'u=rw;o=', 'u=rw,', 'q+x', 'u+z']) expect(isSymbolicMode(bad), bad).toBe(false);
    for (const good of ['u=rw,g=r,o=', 'a+X', 'go-w', 'u+s', '=r']) expect(isSymbolicMode(good), good).toBe(true);
  });
});
