import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the built executables of the doubles are (`<dir>/<name>.cjs`), for the lab to package. */
export const doublesBinDir: string = join(dirname(fileURLToPath(import.meta.url)), 'bin');
