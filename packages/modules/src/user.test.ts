import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { parseUserAccount, user } from './user.js';
import type { UserAccount } from './user.js';

const ubuntu: UserAccount = { name: 'ubuntu', uid: 1000, gid: 1000, comment: '', home: '/home/ubuntu', shell: '/bin/bash', group: 'ubuntu', groups: ['sudo'] };

describePlanFixtures(
  user,
  [
    {
      name: 'missing: create with everything asked for',
      params: { name: 'ubuntu', uid: 1000, groups: ['sudo', 'docker'], shell: '/bin/bash' },
      facts: null,
      changes: [{ kind: 'user.create', target: 'ubuntu', summary: 'create user ubuntu (uid 1000, groups sudo,docker, shell /bin/bash)' }],
    },
    { name: 'present, nothing asked beyond the name', params: { name: 'ubuntu' }, facts: ubuntu, changes: [] },
    { name: 'append: already a member', params: { name: 'ubuntu', groups: ['sudo'], append: true }, facts: ubuntu, changes: [] },
    {
      name: 'append: docker added, sudo kept (seed 004)',
      params: { name: 'ubuntu', groups: ['docker'], append: true },
      facts: ubuntu,
      changes: [{ kind: 'user.groups', target: 'ubuntu', summary: 'ubuntu: groups sudo → docker,sudo', before: 'sudo', after: 'docker,sudo' }],
    },
    {
      name: 'without append the list is exact: sudo removed',
      params: { name: 'ubuntu', groups: ['docker'] },
      facts: ubuntu,
      changes: [{ kind: 'user.groups', target: 'ubuntu', before: 'sudo', after: 'docker' }],
    },
    { name: 'exact empty list removes all', params: { name: 'ubuntu', groups: [] }, facts: ubuntu, changes: [{ kind: 'user.groups', target: 'ubuntu', after: '(none)' }] },
    {
      name: 'attributes differ: one change each',
      params: { name: 'ubuntu', uid: 1001, group: 'users', shell: '/bin/sh', home: '/srv/ubuntu', comment: 'Ubuntu' },
      facts: ubuntu,
      changes: [
        { kind: 'user.uid', target: 'ubuntu', before: '1000', after: '1001' },
        { kind: 'user.group', target: 'ubuntu', before: 'ubuntu', after: 'users' },
        { kind: 'user.shell', target: 'ubuntu', before: '/bin/bash', after: '/bin/sh' },
        { kind: 'user.home', target: 'ubuntu', before: '/home/ubuntu', after: '/srv/ubuntu' },
        { kind: 'user.comment', target: 'ubuntu', before: '', after: 'Ubuntu' },
      ],
    },
    { name: 'primary group by gid: same', params: { name: 'ubuntu', group: 1000 }, facts: ubuntu, changes: [] },
    { name: 'absent wanted, present: remove', params: { name: 'ubuntu', state: 'absent', remove: true }, facts: ubuntu, changes: [{ kind: 'user.remove', target: 'ubuntu', summary: 'remove user ubuntu and its home' }] },
    { name: 'absent wanted, absent: nothing', params: { name: 'ubuntu', state: 'absent' }, facts: null, changes: [] },
  ],
  [
    { name: 'a name with a colon', params: { name: 'a:b' }, error: /user\.name/ },
    { name: 'a relative shell', params: { name: 'ubuntu', shell: 'bash' }, error: /user\.shell/ },
    { name: 'a bad group in groups', params: { name: 'ubuntu', groups: ['ok', 'Not OK'] }, error: /user\.groups\[1\]/ },
    { name: 'a comment with a colon', params: { name: 'ubuntu', comment: 'a:b' }, error: /user\.comment/ },
  ],
);

describe('user parsing', () => {
  it('parses getent passwd + id -gn + id -Gn', () => {
    expect(parseUserAccount('ubuntu:x:1000:1000:Ubuntu,,,:/home/ubuntu:/bin/bash\nubuntu\nubuntu sudo docker\n')).toEqual({
      name: 'ubuntu',
      uid: 1000,
      gid: 1000,
      comment: 'Ubuntu,,,',
      home: '/home/ubuntu',
      shell: '/bin/bash',
      group: 'ubuntu',
      groups: ['docker', 'sudo'],
    });
  });
});
