import type { Play } from './types.js';

type Serial = Play['serial'];

/** Why a `serial` value is invalid, or undefined when it is fine. */
export function serialProblem(serial: Serial): string | undefined {
  if (serial === undefined) return undefined;
  const sizes = Array.isArray(serial) ? serial : [serial];
  if (sizes.length === 0) return 'serial: expected at least one batch size';
  for (const size of sizes) {
    if (parseSize(size as number | string) === undefined) {
      return `serial: ${JSON.stringify(size)} is not a batch size (expected a number >= 0 or a percentage such as '30%')`;
    }
  }
  return undefined;
}

type Size = { count: number } | { percent: number };

function parseSize(size: number | string): Size | undefined {
  if (typeof size === 'number') return Number.isInteger(size) && size >= 0 ? { count: size } : undefined;
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(size);
  if (percent) return { percent: Number(percent[1]) };
  return /^\s*\d+\s*$/.test(size) ? { count: Number(size) } : undefined;
}

/**
 * Splits a play's hosts into batches (Ansible `serial`): a size, a percentage of the play's hosts
 * (rounded down, at least 1), or a list of those whose last entry repeats. 0 or none: one batch.
 */
export function computeBatches<T>(hosts: readonly T[], serial: Serial): T[][] {
  if (hosts.length === 0) return [];
  const specs = (serial === undefined ? [0] : Array.isArray(serial) ? serial : [serial]) as Array<number | string>;
  const sizes = specs.map((spec) => {
    const size = parseSize(spec);
    if (!size) throw new Error(`invalid serial ${JSON.stringify(spec)}`);
    const n = 'count' in size ? size.count : Math.max(1, Math.floor((hosts.length * size.percent) / 100));
    return n <= 0 ? hosts.length : n;
  });
  const batches: T[][] = [];
  for (let start = 0, i = 0; start < hosts.length; i++) {
    const size = sizes[Math.min(i, sizes.length - 1)]!;
    batches.push(hosts.slice(start, start + size));
    start += size;
  }
  return batches;
}
