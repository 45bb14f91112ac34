import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { parseTarDiff, unarchive } from './unarchive.js';
import { parseFileState } from './lib/file-facts.js';

const SRC = '/usr/local/src/cilium-linux-amd64.tar.gz';
const archive = parseFileState(SRC, `stat regular file|644|root|root|100|0|0\nsha256 ${'c'.repeat(64)}\n`);
const absent = (path: string) => parseFileState(path, 'absent\n');
const base = { src: SRC, dest: '/usr/local/bin' };

describePlanFixtures(
  unarchive,
  [
    {
      name: 'entries missing in dest: extract',
      params: { ...base, include: ['cilium'] },
      facts: { archive, creates: null, comparison: { ok: true, differing: ['cilium'] } },
      changes: [{ kind: 'unarchive.extract', target: '/usr/local/bin', summary: `extract ${SRC} (cilium) into /usr/local/bin: 1 entry differs (cilium)` }],
    },
    { name: 'dest matches the archive: nothing', params: base, facts: { archive, creates: null, comparison: { ok: true, differing: [] } }, changes: [] },
    { name: 'dest missing: extract', params: { ...base, dest: '/opt/x' }, facts: { archive, creates: null, comparison: { ok: true, differing: ['*'] } }, changes: [{ kind: 'unarchive.extract', target: '/opt/x', before: '/opt/x does not exist' }] },
    { name: 'creates exists: nothing', params: { ...base, creates: '/usr/local/bin/cilium' }, facts: { archive, creates: parseFileState('/usr/local/bin/cilium', 'stat regular file|755|root|root|1|0|0\n'), comparison: null }, changes: [] },
    { name: 'creates missing: extract', params: { ...base, creates: '/usr/local/bin/cilium' }, facts: { archive, creates: absent('/usr/local/bin/cilium'), comparison: null }, changes: [{ kind: 'unarchive.extract', target: '/usr/local/bin' }] },
  ],
  [
    { name: 'a relative src', params: { src: 'x.tar.gz', dest: '/tmp' }, error: /unarchive\.src/ },
    { name: 'an include that is an option', params: { ...base, include: ['--to-command=sh'] }, error: /unarchive\.include\[0\]/ },
    { name: 'negative stripComponents', params: { ...base, stripComponents: -1 }, error: /unarchive\.stripComponents/ },
  ],
);

describe('unarchive plan errors and parsing', () => {
  it('a missing archive is a clear error', () => {
    expect(() => unarchive.definition.plan({ archive: absent(SRC), creates: null, comparison: { ok: false, message: 'x' } }, unarchive.parse(base))).toThrow(`archive ${SRC} not found`);
  });
  it('tar --diff: content and presence count, mode/owner/time do not', () => {
    const stdout = './sub/b: Mode differs\n./a: Size differs\n./c: Contents differ\n./d: Uid differs\n./e: Mod time differs\n';
    const stderr = 'tar: ./f: Warning: Cannot stat: No such file or directory\n';
    expect(parseTarDiff(stdout, stderr)).toEqual(['a', 'c', 'f']);
  });
});
