import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// Tests run against the sources, so no build is needed between an edit and a test run.
const alias = {
  '@meshbook/engine/testing': src('./packages/engine/src/testing/index.ts'),
  '@meshbook/engine': src('./packages/engine/src/index.ts'),
  '@meshbook/modules': src('./packages/modules/src/index.ts'),
  '@meshbook/fleet': src('./packages/fleet/src/index.ts'),
  '@meshbook/playbooks': src('./packages/playbooks/src/index.ts'),
  '@meshbook/doubles': src('./packages/doubles/src/index.ts'),
  '@meshbook/cli': src('./packages/cli/src/index.ts'),
};

export default defineConfig({
  test: {
    // Files run at most two at a time, unit and integration alike: the machines have two cores, and
    // integration files share one host image. Only the root config sets this (vitest ignores
    // maxWorkers, minWorkers and fileParallelism in a project); unset, vitest runs one file at a time
    // on two cores (available parallelism - 1) and as many as the cores allow elsewhere.
    maxWorkers: 2,
    projects: [
      { resolve: { alias }, test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'], testTimeout: 10_000 } },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          // Long enough for a whole playbook run on 2 loaded cores; a hang still ends the test.
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
