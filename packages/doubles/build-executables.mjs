// Each src/bin/<name>.ts becomes dist/bin/<name>.cjs: one self-contained file (node builtins
// only) that the lab packages into .debs / tarballs and runs on hosts with the lab's node runtime.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const binDir = join(dir, 'src/bin');
const entries = (existsSync(binDir) ? readdirSync(binDir) : []).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
for (const file of entries) {
  await build({
    absWorkingDir: dir,
    entryPoints: [join('src/bin', file)],
    outfile: join('dist/bin', file.replace(/\.ts$/, '.cjs')),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    // ssh2's optional native speed-ups: it falls back to pure JavaScript when they are absent
    external: ['cpu-features', '*.node'],
  });
}
console.log(`built doubles: ${entries.map((f) => f.replace(/\.ts$/, '')).join(', ') || '(none yet)'}`);
