import { describe, expect, it } from 'vitest';
import { file } from './file.js';
import { absentFile, directory, symlink, textFile } from './lib/file-state-fixtures.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const P = '/etc/app';

describePlanFixtures(
  file,
  [
    { name: 'directory: absent → created', params: { path: P, state: 'directory', mode: '0750' }, facts: { path: absentFile(P) }, changes: [{ kind: 'file.directory', target: P, after: 'directory' }] },
    { name: 'directory: present, same attributes → nothing', params: { path: P, state: 'directory', mode: '0755', owner: 'root' }, facts: { path: directory(P) }, changes: [] },
    {
      name: 'directory: wrong mode, owner and group (by name and by id)',
      params: { path: P, state: 'directory', mode: 0o700, owner: 'www-data', group: '33' },
      facts: { path: directory(P) },
      changes: [
        { kind: 'file.owner', target: P, before: 'root', after: 'www-data' },
        { kind: 'file.group', target: P, before: 'root', after: '33' },
        { kind: 'file.mode', target: P, before: '0755', after: '0700' },
      ],
    },
    { name: 'owner given as numeric id that matches', params: { path: P, state: 'directory', owner: '0', group: '0' }, facts: { path: directory(P) }, changes: [] },
    { name: 'touch: absent → created', params: { path: `${P}/x`, state: 'touch', mode: '600' }, facts: { path: absentFile(`${P}/x`) }, changes: [{ kind: 'file.file', target: `${P}/x` }] },
    { name: 'touch: present → content and times untouched', params: { path: `${P}/x`, state: 'touch' }, facts: { path: textFile(`${P}/x`, 'anything') }, changes: [] },
    { name: 'symbolic mode resolved against the current mode', params: { path: P, state: 'directory', mode: 'g-x,o=' }, facts: { path: directory(P) }, changes: [{ kind: 'file.mode', before: '0755', after: '0740', target: P }] },
    { name: 'symbolic mode already in effect → nothing', params: { path: P, state: 'directory', mode: 'u=rwx,go=rx' }, facts: { path: directory(P) }, changes: [] },
    { name: 'no state, a directory there: its mode, as Ansible infers', params: { path: P, mode: '0700' }, facts: { path: directory(P) }, changes: [{ kind: 'file.mode', before: '0755', after: '0700', target: P }] },
    { name: 'file: present → content never looked at', params: { path: `${P}/x` }, facts: { path: textFile(`${P}/x`, 'anything') }, changes: [] },
    { name: 'file: present with other mode', params: { path: `${P}/x`, mode: '0600' }, facts: { path: textFile(`${P}/x`, '') }, changes: [{ kind: 'file.mode', before: '0644', after: '0600', target: `${P}/x` }] },
    { name: 'file through a symlink to a file → checks the target', params: { path: '/l', mode: '0644' }, facts: { path: symlink('/l', 'f', { exists: true, type: 'file', mode: '0644', realPath: '/f' }) }, changes: [] },
    { name: 'link: absent → created', params: { path: '/l', state: 'link', src: '/opt/app/current' }, facts: { path: absentFile('/l') }, changes: [{ kind: 'file.link', target: '/l', before: null, after: '/opt/app/current' }] },
    { name: 'link: same target → nothing', params: { path: '/l', state: 'link', src: 'rel/target' }, facts: { path: symlink('/l', 'rel/target') }, changes: [] },
    { name: 'link: other target → relinked', params: { path: '/l', state: 'link', src: '/new' }, facts: { path: symlink('/l', '/old', { exists: true, type: 'directory' }) }, changes: [{ kind: 'file.link', before: '/old', after: '/new', target: '/l' }] },
    { name: 'link: regular file with force → replaced', params: { path: '/l', state: 'link', src: '/t', force: true }, facts: { path: textFile('/l', 'x') }, changes: [{ kind: 'file.link', target: '/l' }] },
    { name: 'absent: file removed', params: { path: '/x', state: 'absent' }, facts: { path: textFile('/x', 'x') }, changes: [{ kind: 'file.absent', target: '/x', after: null }] },
    { name: 'absent: directory removed', params: { path: '/d', state: 'absent' }, facts: { path: directory('/d') }, changes: [{ kind: 'file.absent', target: '/d' }] },
    { name: 'absent: broken symlink removed', params: { path: '/l', state: 'absent' }, facts: { path: symlink('/l', 'gone') }, changes: [{ kind: 'file.absent', target: '/l' }] },
    { name: 'absent: already absent → nothing', params: { path: '/x', state: 'absent' }, facts: { path: absentFile('/x') }, changes: [] },
    { name: "odd path: quotes, $(), newline", params: { path: "/tmp/a'b $(x)\n", state: 'directory' }, facts: { path: absentFile("/tmp/a'b $(x)\n") }, changes: [{ kind: 'file.directory', target: "/tmp/a'b $(x)\n" }] },
  ],
  [
    { name: 'a relative path', params: { path: 'etc/x' }, error: /file\.path: an absolute path/ },
    { name: 'an unknown key', params: { path: '/x', recurse: true }, error: /recurse/ },
    { name: 'a mode that is neither octal nor symbolic', params: { path: '/x', mode: 'rwx' }, error: /file\.mode: an octal mode such as '0644', or a symbolic one/ },
    { name: 'an octal mode with a 9', params: { path: '/x', mode: '0649' }, error: /file\.mode/ },
    { name: 'a mode above 0o7777', params: { path: '/x', mode: 0o17777 }, error: /file\.mode/ },
    { name: 'an owner with a leading dash', params: { path: '/x', owner: '-R' }, error: /file\.owner/ },
    { name: 'link without src', params: { path: '/x', state: 'link' }, error: /file\.src: src is required/ },
    { name: 'src without link', params: { path: '/x', src: '/y' }, error: /file\.src/ },
    { name: 'mode on a link', params: { path: '/x', state: 'link', src: '/y', mode: '0644' }, error: /file\.mode: mode\/owner\/group apply/ },
    { name: 'an unknown state', params: { path: '/x', state: 'fifo' }, error: /file\.state/ },
  ],
);

describe('file plan refuses to change a path of the wrong kind', () => {
  const plan = (params: unknown, facts: unknown) => () => file.definition.plan(facts as never, file.parse(params));
  it('directory wanted, file there', () => expect(plan({ path: '/x', state: 'directory' }, { path: textFile('/x', '') })).toThrow(/\/x is a file, not a directory/));
  it('file wanted, directory there', () => expect(plan({ path: '/x', state: 'file' }, { path: directory('/x') })).toThrow(/is a directory, not a file/));
  it('state file on a missing path fails, as Ansible (touch creates)', () => expect(plan({ path: '/x', state: 'file' }, { path: absentFile('/x') })).toThrow(/\/x does not exist/));
  it('no state on a missing path is state file: fails', () => expect(plan({ path: '/x', mode: '0600' }, { path: absentFile('/x') })).toThrow(/does not exist/));
  it('link to a missing src without force', () => expect(plan({ path: '/x', state: 'link', src: 'y' }, { path: absentFile('/x'), src: absentFile('/y') })).toThrow(/link source \/y does not exist/));
  it('force over a directory does not tell the user to set force', () =>
    expect(plan({ path: '/x', state: 'link', src: '/y', force: true }, { path: directory('/x') })).toThrow(/only a regular file is replaced/));
  it('link wanted over a file without force', () => expect(plan({ path: '/x', state: 'link', src: '/y' }, { path: textFile('/x', '') })).toThrow(/force: true/));
  it('link wanted over a directory even with force', () => expect(plan({ path: '/x', state: 'link', src: '/y', force: true }, { path: directory('/x') })).toThrow(/is a directory/));
  it('file wanted through a broken symlink', () => expect(plan({ path: '/x' }, { path: symlink('/x', 'gone') })).toThrow(/broken/));
});
