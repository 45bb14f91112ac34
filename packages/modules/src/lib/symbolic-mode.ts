import { normalizeMode } from './file-facts.js';

/** chmod's symbolic grammar, clauses joined by commas: `u=rw,g=r,o=`, `a+X`, `go-w`, `u+s`. */
const CLAUSE = /^([ugoa]*)([-+=][rwxXst]*)+$/;

export function isSymbolicMode(mode: string): boolean {
  return mode.split(',').every((clause) => CLAUSE.test(clause));
}

/** What a new path starts from under the usual umask 022, when a symbolic mode has no current mode to edit. */
const NEW_PATH_MODE = { file: 0o644, directory: 0o755 };

const WHO_BITS = { u: 0o4700, g: 0o2070, o: 0o1007 } as const;

/**
 * The four-digit octal mode a mode parameter asks for on a path whose current mode is `current`
 * (null: the path is new). Octal modes are returned as they are; symbolic ones are applied to the
 * current mode as chmod does (X: execute only for a directory or where some x is set already).
 */
export function resolveMode(mode: string, current: string | null, isDirectory: boolean): string {
  if (/^[0-7]{4}$/.test(mode)) return mode;
  let value = current === null ? NEW_PATH_MODE[isDirectory ? 'directory' : 'file'] : parseInt(current, 8);
  for (const clause of mode.split(',')) {
    const [, whoText = ''] = CLAUSE.exec(clause) ?? [];
    const who = whoText === '' || whoText.includes('a') ? 'ugo' : whoText;
    for (const [, op, perms] of clause.slice(whoText.length).matchAll(/([-+=])([rwxXst]*)/g)) {
      let bits = 0;
      for (const w of who as Iterable<'u' | 'g' | 'o'>) {
        const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
        if (perms!.includes('r')) bits |= 4 << shift;
        if (perms!.includes('w')) bits |= 2 << shift;
        if (perms!.includes('x') || (perms!.includes('X') && (isDirectory || (value & 0o111) !== 0))) bits |= 1 << shift;
        if (perms!.includes('s') && w !== 'o') bits |= w === 'u' ? 0o4000 : 0o2000;
        if (perms!.includes('t') && w === 'o') bits |= 0o1000;
      }
      const mask = [...who].reduce((m, w) => m | WHO_BITS[w as 'u' | 'g' | 'o'], 0);
      if (op === '+') value |= bits;
      else if (op === '-') value &= ~bits;
      // '=' clears the class's rwx (and its special bit, except a directory's setgid/setuid as chmod keeps them).
      else value = (value & ~(mask & (isDirectory ? 0o1777 : 0o7777))) | bits;
    }
  }
  return normalizeMode(value);
}
