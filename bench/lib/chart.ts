import { SCENARIOS } from './args.js';
import { cellOf } from './cells.js';
import type { Sample } from './samples.js';

const COLORS = { meshbook: '#1b9e77', ansible: '#d95f02', mitogen: '#7570b3' } as const;
const BAR = 14;
const GROUP_GAP = 12;
const LEFT = 150;
const WIDTH = 760;
const TOP = 50;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Horizontal bars of median wall time per (N, scenario) on loopback, meshbook above Ansible above
 * Ansible with Mitogen, on a log scale
 * (a 20x gap would leave meshbook's bars invisible on a linear one), the ratio at the right.
 */
export function renderChart(samples: readonly Sample[], hostCounts: readonly number[]): string {
  const groups = hostCounts
    .flatMap((n) => SCENARIOS.map((s) => ({ n, s, m: cellOf(samples, 'meshbook', n, s), a: cellOf(samples, 'ansible', n, s), g: cellOf(samples, 'mitogen', n, s) })))
    .filter((g) => g.m || g.a || g.g);
  const walls = groups.flatMap((g) => [g.m?.wall, g.a?.wall, g.g?.wall]).filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(0.1, ...walls))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(1, ...walls))));
  const plotWidth = WIDTH - LEFT - 90;
  const x = (v: number) => Math.round((LEFT + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotWidth) * 10) / 10;
  const height = TOP + groups.length * (3 * BAR + GROUP_GAP) + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">Median wall time on loopback, seconds (log scale): meshbook vs Ansible</text>`,
    `<rect x="${LEFT}" y="30" width="12" height="10" fill="${COLORS.meshbook}"/><text x="${LEFT + 16}" y="39">meshbook</text>`,
    `<rect x="${LEFT + 90}" y="30" width="12" height="10" fill="${COLORS.ansible}"/><text x="${LEFT + 106}" y="39">Ansible 2.14</text>`,
    `<rect x="${LEFT + 190}" y="30" width="12" height="10" fill="${COLORS.mitogen}"/><text x="${LEFT + 206}" y="39">Ansible + Mitogen</text>`,
    `<text x="${WIDTH - 80}" y="39" font-weight="bold">Ansible/meshbook</text>`,
  ];
  for (let decade = lo; decade <= hi; decade *= 10) {
    parts.push(`<line x1="${x(decade)}" y1="${TOP - 4}" x2="${x(decade)}" y2="${height - 30}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(decade)}" y="${height - 15}" text-anchor="middle" fill="#555">${decade >= 1 ? decade : decade.toFixed(1)}</text>`);
  }
  groups.forEach((g, i) => {
    const y = TOP + i * (3 * BAR + GROUP_GAP);
    parts.push(`<text x="${LEFT - 8}" y="${y + BAR + 4}" text-anchor="end">${escape(`N=${g.n} ${g.s}`)}</text>`);
    ([['meshbook', g.m], ['ansible', g.a], ['mitogen', g.g]] as const).forEach(([tool, cell], k) => {
      if (!cell) return;
      const yy = y + k * BAR;
      parts.push(`<rect x="${LEFT}" y="${yy}" width="${Math.max(1, x(cell.wall) - LEFT)}" height="${BAR - 2}" fill="${COLORS[tool]}"/>`);
      parts.push(`<text x="${x(cell.wall) + 4}" y="${yy + BAR - 4}" font-size="11">${cell.wall.toFixed(cell.wall < 10 ? 2 : 1)}</text>`);
    });
    if (g.m && g.a) parts.push(`<text x="${WIDTH - 80}" y="${y + BAR + 4}" font-weight="bold">${(g.a.wall / g.m.wall).toFixed(1)}x</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
