import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { group, parseGroupLine } from './group.js';

describePlanFixtures(
  group,
  [
    { name: 'missing: create', params: { name: 'docker' }, facts: null, changes: [{ kind: 'group.create', target: 'docker', summary: 'create group docker (next gid)' }] },
    { name: 'missing system group with gid', params: { name: 'docker', gid: 998, system: true }, facts: null, changes: [{ kind: 'group.create', target: 'docker', after: 'gid 998' }] },
    { name: 'present, gid unspecified: nothing', params: { name: 'docker' }, facts: { name: 'docker', gid: 998, members: [] }, changes: [] },
    { name: 'present with the wanted gid: nothing', params: { name: 'docker', gid: 998 }, facts: { name: 'docker', gid: 998, members: [] }, changes: [] },
    {
      name: 'present with another gid: groupmod',
      params: { name: 'docker', gid: 1500 },
      facts: { name: 'docker', gid: 998, members: [] },
      changes: [{ kind: 'group.gid', target: 'docker', summary: 'docker: gid 998 → 1500', before: '998', after: '1500' }],
    },
    { name: 'absent wanted, present: remove', params: { name: 'docker', state: 'absent' }, facts: { name: 'docker', gid: 998, members: [] }, changes: [{ kind: 'group.remove', target: 'docker' }] },
    { name: 'absent wanted, absent: nothing', params: { name: 'docker', state: 'absent' }, facts: null, changes: [] },
  ],
  [
    { name: 'an uppercase name', params: { name: 'Docker' }, error: /group\.name/ },
    { name: 'a negative gid', params: { name: 'docker', gid: -1 }, error: /group\.gid/ },
    { name: 'a bad state', params: { name: 'docker', state: 'gone' }, error: /group\.state/ },
  ],
);

describe('group parsing', () => {
  it('parses getent group lines', () => {
    expect(parseGroupLine('docker:x:998:ubuntu,admin\n')).toEqual({ name: 'docker', gid: 998, members: ['ubuntu', 'admin'] });
    expect(parseGroupLine('root:x:0:\n')).toEqual({ name: 'root', gid: 0, members: [] });
  });
});
