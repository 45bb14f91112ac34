import { describe, expect, it } from 'vitest';
import { file } from './file.js';
import { absentFile, directory, symlink, textFile } from './lib/file-state-fixtures.js';
import type { TreeEntry } from './lib/file-tree.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const P = '/etc/app';
const entry = (path: string, type: TreeEntry['type'], mode: string, owner = 'root'): TreeEntry => ({ path, type, mode, owner, group: owner, uid: owner === 'root' ? 0 : 33, gid: owner === 'root' ? 0 : 33, size: 1 });
const tree = [entry(`${P}/a.sh`, 'file', '0755'), entry(`${P}/b.conf`, 'file', '0644', 'www-data'), entry(`${P}/sub`, 'directory', '0700'), entry(`${P}/sub/l`, 'link', '0777')];
const inode = (n: string) => ({ inode: `2049:${n}` });
const linkOwned = (owner: string) => ({ linkOwner: { owner, group: owner, uid: owner === 'root' ? 0 : 33, gid: owner === 'root' ? 0 : 33 } });

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
    { name: 'hard: absent → linked, and src\'s mode compared', params: { path: '/h', state: 'hard', src: '/s', mode: '0600' }, facts: { path: absentFile('/h'), src: textFile('/s', 'x', inode('7')) }, changes: [{ kind: 'file.hard', target: '/h', before: null, after: 'hard link to /s', payload: { path: '/h', src: '/s', replace: false } }, { kind: 'file.mode', target: '/h', before: '0644', after: '0600' }] },
    { name: 'hard: already the same inode → nothing', params: { path: '/h', state: 'hard', src: '/s' }, facts: { path: textFile('/h', 'x', inode('7')), src: textFile('/s', 'x', inode('7')) }, changes: [] },
    { name: 'hard: same inode, owner differs → owner of the shared file', params: { path: '/h', state: 'hard', src: '/s', owner: 'www-data' }, facts: { path: textFile('/h', 'x', inode('7')), src: textFile('/s', 'x', inode('7')) }, changes: [{ kind: 'file.owner', target: '/h', after: 'www-data' }] },
    { name: 'hard: another file with force → replaced', params: { path: '/h', state: 'hard', src: '/s', force: true }, facts: { path: textFile('/h', 'y', inode('8')), src: textFile('/s', 'x', inode('7')) }, changes: [{ kind: 'file.hard', target: '/h', before: 'a file', payload: { path: '/h', src: '/s', replace: true } }] },
    { name: 'hard: a symlink to src with force → replaced by the hard link', params: { path: '/h', state: 'hard', src: '/s', force: true }, facts: { path: symlink('/h', '/s', { exists: true, type: 'file', ...inode('7') }), src: textFile('/s', 'x', inode('7')) }, changes: [{ kind: 'file.hard', target: '/h', before: 'a symlink to /s' }] },
    { name: 'recurse: entries whose mode or owner differ, links get owner only', params: { path: P, state: 'directory', recurse: true, mode: '0750', owner: 'root' }, facts: { path: directory(P, { mode: '0750' }), tree }, changes: [{ kind: 'file.recurse', target: P, summary: 'recurse: 3 entries below (owner 1, mode 3)', payload: { path: P, fix: { chownSpec: 'root', chown: [`${P}/b.conf`], chmod: { '0750': [`${P}/a.sh`, `${P}/b.conf`, `${P}/sub`] } } } }] },
    { name: 'recurse: symbolic X per entry (directories and executables only)', params: { path: P, state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=' }, facts: { path: directory(P), tree }, changes: [{ kind: 'file.mode', target: P, after: '0750' }, { kind: 'file.recurse', target: P, payload: { path: P, fix: { chownSpec: null, chown: [], chmod: { '0750': [`${P}/a.sh`, `${P}/sub`], '0640': [`${P}/b.conf`] } } } }] },
    { name: 'recurse: the tree already right → nothing', params: { path: P, state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=' }, facts: { path: directory(P, { mode: '0750' }), tree: [entry(`${P}/x`, 'file', '0640'), entry(`${P}/d`, 'directory', '0750'), entry(`${P}/l`, 'link', '0777')] }, changes: [] },
    { name: 'recurse: a new directory → created, nothing below', params: { path: P, state: 'directory', recurse: true, mode: '0700' }, facts: { path: absentFile(P), tree: [] }, changes: [{ kind: 'file.directory', target: P }] },
    { name: 'follow: false, touch on a symlink → the link\'s own owner', params: { path: '/l', state: 'touch', owner: 'www-data', follow: false }, facts: { path: symlink('/l', '/f', { exists: true, type: 'file', owner: 'www-data', uid: 33, ...linkOwned('root') }) }, changes: [{ kind: 'file.link-owner', target: '/l', before: 'root:root', after: 'www-data', payload: { path: '/l', spec: 'www-data' } }] },
    { name: 'follow: false, no state, link already owned → nothing', params: { path: '/l', owner: '33', follow: false }, facts: { path: symlink('/l', '/d', { exists: true, type: 'directory', ...linkOwned('www-data') }) }, changes: [] },
    { name: 'follow: true (default) on a symlink → the target\'s owner', params: { path: '/l', owner: 'www-data' }, facts: { path: symlink('/l', '/f', { exists: true, type: 'file', owner: 'root', uid: 0, ...linkOwned('www-data') }) }, changes: [{ kind: 'file.owner', target: '/l', before: 'root', after: 'www-data' }] },
    { name: "odd path: quotes, $(), newline", params: { path: "/tmp/a'b $(x)\n", state: 'directory' }, facts: { path: absentFile("/tmp/a'b $(x)\n") }, changes: [{ kind: 'file.directory', target: "/tmp/a'b $(x)\n" }] },
  ],
  [
    { name: 'a relative path', params: { path: 'etc/x' }, error: /file\.path: an absolute path/ },
    { name: 'an unknown key', params: { path: '/x', recursive: true }, error: /recursive/ },
    { name: 'recurse without state directory', params: { path: '/x', recurse: true, mode: '0644' }, error: /file\.recurse: recurse needs state directory/ },
    { name: 'hard without src', params: { path: '/x', state: 'hard' }, error: /file\.src: src is required with state link or hard/ },
    { name: 'hard with a relative src', params: { path: '/x', state: 'hard', src: 'y' }, error: /file\.src: an absolute src for state hard/ },
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
  it('hard: a missing src', () => expect(plan({ path: '/h', state: 'hard', src: '/s' }, { path: absentFile('/h'), src: absentFile('/s') })).toThrow(/hard link source \/s does not exist/));
  it('hard: a directory src', () => expect(plan({ path: '/h', state: 'hard', src: '/s' }, { path: absentFile('/h'), src: directory('/s') })).toThrow(/hard link source \/s is a directory/));
  it('hard: another file there without force', () =>
    expect(plan({ path: '/h', state: 'hard', src: '/s' }, { path: textFile('/h', 'y', inode('8')), src: textFile('/s', 'x', inode('7')) })).toThrow(/\/h is a file, not a hard link to \/s/));
  it('hard: a symlink to the same file is not the hard link (Ansible says ok)', () =>
    expect(plan({ path: '/h', state: 'hard', src: '/s' }, { path: symlink('/h', '/s', { exists: true, type: 'file', ...inode('7') }), src: textFile('/s', 'x', inode('7')) })).toThrow(/symlink to \/s, not a hard link.*/));
  it('hard: a directory there even with force', () => expect(plan({ path: '/h', state: 'hard', src: '/s', force: true }, { path: directory('/h'), src: textFile('/s', 'x') })).toThrow(/is a directory, not a hard link/));
  it('follow: false with a mode on a symlink', () => expect(plan({ path: '/l', mode: '0600', follow: false }, { path: symlink('/l', '/f', linkOwned('root')) })).toThrow(/no mode of its own/));
  it('follow: false, state directory on a symlink', () => expect(plan({ path: '/l', state: 'directory', follow: false }, { path: symlink('/l', '/d', { exists: true, type: 'directory', ...linkOwned('root') }) })).toThrow(/is a symlink to \/d, not a directory \(follow: false\)/));
  it('follow: false, state file on a symlink', () => expect(plan({ path: '/l', state: 'file', follow: false }, { path: symlink('/l', '/f', { exists: true, type: 'file', ...linkOwned('root') }) })).toThrow(/not a file \(follow: false\)/));
  it('file wanted through a broken symlink', () => expect(plan({ path: '/x' }, { path: symlink('/x', 'gone') })).toThrow(/broken/));
});

describe('file writes (what a change drops from the facts fetched ahead)', () => {
  const writes = (params: unknown, facts: unknown) => {
    const parsed = file.parse(params);
    return file.definition.writes!(file.definition.plan(facts as never, parsed), parsed);
  };
  it('a directory made where nothing was is the path alone: facts under it stay', () => {
    expect(writes({ path: P, state: 'directory' }, { path: absentFile(P) })).toEqual([{ path: P, below: false }]);
  });
  it('a path removed is the path and all under it', () => {
    expect(writes({ path: P, state: 'absent' }, { path: directory(P) })).toEqual([P]);
  });
  it('attributes fixed on an existing path: unknown reach', () => {
    expect(writes({ path: P, state: 'directory', mode: '0700' }, { path: directory(P) })).toBeUndefined();
  });
});
