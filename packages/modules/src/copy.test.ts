import { describe, expect, it } from 'vitest';
import { KnownAfterApply, LocalTransport, Secret, renderDiff } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { copy } from './copy.js';
import { absentFile, directory, largeFile, symlink, textFile } from './lib/file-state-fixtures.js';
import { hostTree, treeRoot } from './lib/copy-tree.js';
import type { SourceEntry } from './lib/copy-tree.js';
import type { TreeEntry } from './lib/file-tree.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const D = '/etc/app.conf';
const facts = (dest = absentFile(D), source: { path: string; bytes: Buffer; mode?: string } | null = null) => ({ dest, source: source && { mode: '0644', ...source } });
const hostFacts = (dest: ReturnType<typeof absentFile>, hostSource: ReturnType<typeof absentFile>) => ({ dest, source: null, hostSource });
const sha = (text: string) => textFile('/x', text).sha256!;
const destEntry = (path: string, type: TreeEntry['type'], text = '', mode = '0644'): TreeEntry => ({ path, type, mode, owner: 'root', group: 'root', uid: 0, gid: 0, size: text.length, ...(type === 'file' ? { sha256: sha(text) } : {}) });
const sources: SourceEntry[] = [
  { rel: 'conf', type: 'directory', mode: '0700' },
  { rel: 'conf/a.conf', type: 'file', mode: '0600', bytes: Buffer.from('a\n') },
  { rel: 'run.sh', type: 'file', mode: '0755', bytes: Buffer.from('#!/bin/sh\n') },
];
const tree = (rootState: ReturnType<typeof absentFile>, destTree: TreeEntry[] = [], list = sources, parentState: ReturnType<typeof absentFile> | null = null) => ({ dest: absentFile('/srv/app/'), source: null, tree: { root: '/srv/app', rootState, sources: list, destTree, parentState } });

describePlanFixtures(
  copy,
  [
    { name: 'absent → created', params: { dest: D, content: 'a=1\n' }, facts: facts(), changes: [{ kind: 'copy.content', target: D, content: { path: D, before: null, after: 'a=1\n' } }] },
    { name: 'same content → nothing', params: { dest: D, content: 'a=1\n' }, facts: facts(textFile(D, 'a=1\n')), changes: [] },
    { name: 'force: false on an existing file with another mode → nothing', params: { dest: D, content: 'a=2\n', mode: '0600', force: false }, facts: facts(textFile(D, 'a=1\n')), changes: [] },
    { name: 'other content → updated with a text diff', params: { dest: D, content: 'a=2\n' }, facts: facts(textFile(D, 'a=1\n')), changes: [{ kind: 'copy.content', target: D, content: { path: D, before: 'a=1\n', after: 'a=2\n' } }] },
    { name: 'force false: existing file kept', params: { dest: D, content: 'a=2\n', force: false }, facts: facts(textFile(D, 'a=1\n')), changes: [] },
    { name: 'force false: absent file still created', params: { dest: D, content: 'a=2\n', force: false }, facts: facts(), changes: [{ kind: 'copy.content', target: D }] },
    { name: 'same content, other mode and owner', params: { dest: D, content: 'x', mode: '0600', owner: 'app' }, facts: facts(textFile(D, 'x')), changes: [{ kind: 'copy.owner', target: D, after: 'app' }, { kind: 'copy.mode', target: D, before: '0644', after: '0600' }] },
    { name: 'content and mode both differ', params: { dest: D, content: 'y', mode: '0600' }, facts: facts(textFile(D, 'x')), changes: [{ kind: 'copy.content', target: D }, { kind: 'copy.mode', target: D }] },
    { name: 'large file compared by sha256 only: same → nothing', params: { dest: D, content: 'big' }, facts: facts(largeFile(D, 'big')), changes: [] },
    { name: 'large file differs → checksums, no text diff', params: { dest: D, content: 'new' }, facts: facts(largeFile(D, 'old')), changes: [{ kind: 'copy.content', target: D, before: expect.stringMatching(/^sha256:/), after: expect.stringMatching(/^sha256:[0-9a-f]{16}… \(3 bytes\)$/) }] },
    { name: 'src: controller file copied', params: { dest: D, src: 'files/app.conf' }, facts: facts(absentFile(D), { path: 'files/app.conf', bytes: Buffer.from('from src\n') }), changes: [{ kind: 'copy.content', target: D, content: { path: D, before: null, after: 'from src\n' } }] },
    { name: 'src: binary, same bytes → nothing', params: { dest: D, src: 'b.bin' }, facts: facts(textFile(D, Buffer.from([0, 255, 1])), { path: 'b.bin', bytes: Buffer.from([0, 255, 1]) }), changes: [] },
    { name: 'src: binary differs → checksum change', params: { dest: D, src: 'b.bin' }, facts: facts(textFile(D, Buffer.from([0, 255, 1])), { path: 'b.bin', bytes: Buffer.from([0, 255, 2]) }), changes: [{ kind: 'copy.content', target: D, before: expect.stringMatching(/^sha256:/), after: expect.stringMatching(/^sha256:/) }] },
    { name: 'Secret content: sensitive, masked', params: { dest: D, content: new Secret('s3cr3t-token') }, facts: facts(largeFile(D, 'old-secret')), changes: [{ kind: 'copy.content', target: D, sensitive: true, content: { path: D, before: '***', after: '***' } }] },
    { name: 'Secret content: same sha256 → nothing', params: { dest: D, content: new Secret('s3cr3t-token') }, facts: facts(largeFile(D, 's3cr3t-token')), changes: [] },
    { name: 'KnownAfterApply content (check mode) → reported, not compared', params: { dest: D, content: new KnownAfterApply('admin.conf from master1') }, facts: facts(textFile(D, 'x')), changes: [{ kind: 'copy.content', target: D, content: { path: D, before: 'x', after: '(known after apply: admin.conf from master1)' } }] },
    { name: 'follow false (default): a symlink at dest is replaced by the file', params: { dest: D, content: 'x\n' }, facts: facts(symlink(D, '/etc/real.conf', { ...textFile('/etc/real.conf', 'x\n'), isLink: true, linkTarget: '/etc/real.conf', path: D })), changes: [{ kind: 'copy.content', target: D, before: 'symlink → /etc/real.conf', summary: 'replace the symlink (→ /etc/real.conf) with a file (2 bytes)', payload: expect.objectContaining({ realPath: D, mode: 0o644 }) }] },
    { name: 'follow true: written through to the target; same content → nothing', params: { dest: D, content: 'x\n', follow: true }, facts: facts(symlink(D, '/etc/real.conf', { ...textFile('/etc/real.conf', 'x\n'), isLink: true, linkTarget: '/etc/real.conf', path: D })), changes: [] },
    { name: 'follow true: other content written to the target', params: { dest: D, content: 'y\n', follow: true }, facts: facts(symlink(D, '/etc/real.conf', { ...textFile('/etc/real.conf', 'x\n'), isLink: true, linkTarget: '/etc/real.conf', realPath: '/etc/real.conf', path: D })), changes: [{ kind: 'copy.content', target: D, payload: expect.objectContaining({ realPath: '/etc/real.conf' }) }] },
    { name: "mode 'preserve': a new file gets the controller file's mode", params: { dest: D, src: 'run.sh', mode: 'preserve' }, facts: facts(absentFile(D), { path: 'run.sh', bytes: Buffer.from('x'), mode: '0750' }), changes: [{ kind: 'copy.content', target: D, payload: expect.objectContaining({ mode: 0o750 }) }] },
    { name: "mode 'preserve': same content, other mode → the source's mode", params: { dest: D, src: 'run.sh', mode: 'preserve' }, facts: facts(textFile(D, 'x'), { path: 'run.sh', bytes: Buffer.from('x'), mode: '0750' }), changes: [{ kind: 'copy.mode', target: D, before: '0644', after: '0750' }] },
    { name: "dest ending in '/': the file goes inside, named as src", params: { dest: '/etc/', src: 'files/app.conf' }, facts: facts(absentFile('/etc/app.conf'), { path: 'files/app.conf', bytes: Buffer.from('x') }), changes: [{ kind: 'copy.content', target: '/etc/app.conf' }] },
    { name: 'remote_src: a host file copied on the host (never through the controller)', params: { dest: D, src: '/opt/app.conf.dist', remote_src: true }, facts: hostFacts(absentFile(D), textFile('/opt/app.conf.dist', 'dist\n', { mode: '0640' })), changes: [{ kind: 'copy.content', target: D, content: { path: D, before: null, after: 'dist\n' }, payload: expect.objectContaining({ fromHost: '/opt/app.conf.dist', mode: 0o644, bytes: Buffer.alloc(0) }) }] },
    { name: 'remote_src: same checksum → nothing', params: { dest: D, src: '/opt/app.conf.dist', remote_src: true }, facts: hostFacts(largeFile(D, 'dist\n'), largeFile('/opt/app.conf.dist', 'dist\n')), changes: [] },
    { name: "remote_src with mode 'preserve' and a large source: compared by checksum", params: { dest: D, src: '/opt/big', remote_src: true, mode: 'preserve' }, facts: hostFacts(largeFile(D, 'old'), largeFile('/opt/big', 'new', { mode: '0600' })), changes: [{ kind: 'copy.content', target: D, after: expect.stringMatching(/^sha256:/), payload: expect.objectContaining({ mode: 0o600 }) }, { kind: 'copy.mode', target: D, after: '0600' }] },
    { name: 'remote_src through a symlink source: the link\'s target is copied', params: { dest: D, src: '/opt/current.conf', remote_src: true }, facts: hostFacts(absentFile(D), symlink('/opt/current.conf', 'v2.conf', { ...textFile('/opt/v2.conf', 'v2\n'), isLink: true, linkTarget: 'v2.conf', path: '/opt/current.conf' })), changes: [{ kind: 'copy.content', target: D, payload: expect.objectContaining({ fromHost: '/opt/v2.conf' }) }] },
    { name: "directory src 'dir' into a missing dest: dest/dir, its directories (directory_mode), its files", params: { dest: '/srv', src: 'files/app', directory_mode: '0750' }, facts: tree(absentFile('/srv/app'), [], sources, directory('/srv')), changes: [
      { kind: 'copy.directory', target: '/srv/app', payload: { path: '/srv/app', attributes: { mode: '0750', owner: undefined, group: undefined }, parents: true } },
      { kind: 'copy.directory', target: '/srv/app/conf', payload: { path: '/srv/app/conf', attributes: { mode: '0750' }, parents: false } },
      { kind: 'copy.content', target: '/srv/app/conf/a.conf', payload: expect.objectContaining({ mode: 0o644 }) },
      { kind: 'copy.content', target: '/srv/app/run.sh', content: { path: '/srv/app/run.sh', before: null, after: '#!/bin/sh\n' } },
    ] },
    { name: "directory src 'dir' into a missing dest: dest made too (with its parents), given directory_mode as Ansible", params: { dest: '/srv/new', src: 'files/app', directory_mode: '0750' }, facts: tree(absentFile('/srv/app'), [], [], absentFile('/srv/new')), changes: [
      { kind: 'copy.directory', target: '/srv/new', payload: { path: '/srv/new', attributes: { mode: '0750' }, parents: true } },
      { kind: 'copy.directory', target: '/srv/app', payload: { path: '/srv/app', attributes: { mode: '0750' }, parents: false } },
    ] },
    { name: "directory src, mode 'preserve': each file its source's mode; existing directories left alone", params: { dest: '/srv/app', src: 'files/app/', mode: 'preserve', directory_mode: '0700' }, facts: tree(directory('/srv/app'), [destEntry('/srv/app/conf', 'directory', '', '0755')]), changes: [
      { kind: 'copy.content', target: '/srv/app/conf/a.conf', payload: expect.objectContaining({ mode: 0o600 }) },
      { kind: 'copy.content', target: '/srv/app/run.sh', payload: expect.objectContaining({ mode: 0o755 }) },
    ] },
    { name: 'directory src, everything in place → nothing (extra files at dest are kept)', params: { dest: '/srv/app', src: 'files/app/' }, facts: tree(directory('/srv/app'), [destEntry('/srv/app/conf', 'directory'), destEntry('/srv/app/conf/a.conf', 'file', 'a\n'), destEntry('/srv/app/run.sh', 'file', '#!/bin/sh\n'), destEntry('/srv/app/extra', 'file', 'mine')]), changes: [] },
    { name: 'directory src, one file differs → only it (checksum, no text of the old)', params: { dest: '/srv/app', src: 'files/app/', owner: 'root' }, facts: tree(directory('/srv/app'), [destEntry('/srv/app/conf', 'directory'), destEntry('/srv/app/conf/a.conf', 'file', 'old\n'), destEntry('/srv/app/run.sh', 'file', '#!/bin/sh\n')]), changes: [{ kind: 'copy.content', target: '/srv/app/conf/a.conf', before: expect.stringMatching(/^sha256:/) }] },
    { name: 'remote_src directory: without mode/directory_mode, files and new directories keep their source modes (as Ansible)', params: { dest: '/srv/app', src: '/opt/app/', remote_src: true }, facts: tree(absentFile('/srv/app'), [], [{ rel: 'conf', type: 'directory', mode: '0700' }, { rel: 'conf/a', type: 'file', mode: '0600', fromHost: { path: '/opt/app/conf/a', sha256: sha('a'), size: 1, text: null } }]), changes: [
      { kind: 'copy.directory', target: '/srv/app', payload: { path: '/srv/app', attributes: { mode: undefined }, parents: true } },
      { kind: 'copy.directory', target: '/srv/app/conf', payload: { path: '/srv/app/conf', attributes: { mode: '0700' }, parents: false } },
      { kind: 'copy.content', target: '/srv/app/conf/a', payload: expect.objectContaining({ mode: 0o600, fromHost: '/opt/app/conf/a' }) },
    ] },
    { name: "dest ending in '/': a missing directory is made for the file", params: { dest: '/etc/new/', src: 'a.conf' }, facts: facts(absentFile('/etc/new/a.conf'), { path: 'a.conf', bytes: Buffer.from('x') }), changes: [{ kind: 'copy.content', target: '/etc/new/a.conf', payload: expect.objectContaining({ createParents: true }) }] },
    { name: 'directory src with validate and backup: each changed file carries them', params: { dest: '/srv/app', src: 'files/app/', validate: 'test -s %s', backup: true }, facts: tree(directory('/srv/app'), [destEntry('/srv/app/conf', 'directory'), destEntry('/srv/app/conf/a.conf', 'file', 'old\n'), destEntry('/srv/app/run.sh', 'file', '#!/bin/sh\n')]), changes: [{ kind: 'copy.content', target: '/srv/app/conf/a.conf', payload: expect.objectContaining({ validate: 'test -s %s', backup: true }) }] },
    { name: 'directory src, force false: existing files kept, missing ones created', params: { dest: '/srv/app', src: 'files/app/', force: false }, facts: tree(directory('/srv/app'), [destEntry('/srv/app/conf', 'directory'), destEntry('/srv/app/conf/a.conf', 'file', 'old\n')]), changes: [{ kind: 'copy.content', target: '/srv/app/run.sh' }] },
    { name: 'shell metacharacters are just content', params: { dest: "/tmp/x'; rm -rf / #", content: "$(reboot) `id` ; '\"\n-n\nünïcødé\n" }, facts: facts(absentFile("/tmp/x'; rm -rf / #")), changes: [{ kind: 'copy.content', target: "/tmp/x'; rm -rf / #", content: { path: "/tmp/x'; rm -rf / #", before: null, after: "$(reboot) `id` ; '\"\n-n\nünïcødé\n" } }] },
  ],
  [
    { name: 'neither content nor src', params: { dest: D }, error: /copy\.content: give exactly one of content or src/ },
    { name: 'both content and src', params: { dest: D, content: 'x', src: 'y' }, error: /give exactly one/ },
    { name: 'a relative dest', params: { dest: 'x', content: '' }, error: /copy\.dest: an absolute path/ },
    { name: 'validate without %s', params: { dest: D, content: '', validate: 'visudo -c' }, error: /copy\.validate: a command containing %s/ },
    { name: 'an unknown key', params: { dest: D, content: '', validate: 'x' }, error: /validate/ },
    { name: 'content of the wrong type', params: { dest: D, content: 42 }, error: /copy\.content/ },
    { name: 'a bad mode', params: { dest: D, content: '', mode: '0999' }, error: /copy\.mode/ },
    { name: 'remote_src without src', params: { dest: D, content: 'x', remote_src: true }, error: /copy\.remote_src: remote_src needs src, an absolute path/ },
    { name: 'remote_src with a relative src', params: { dest: D, src: 'x', remote_src: true }, error: /copy\.remote_src/ },
    { name: "mode 'preserve' with content", params: { dest: D, content: 'x', mode: 'preserve' }, error: /copy\.mode: mode 'preserve' copies the mode of src/ },
    { name: "content with a dest ending in '/'", params: { dest: '/etc/', content: 'x' }, error: /copy\.dest: with content, dest names a file/ },
    { name: 'a bad directory_mode', params: { dest: D, src: 'x', directory_mode: 'rwx' }, error: /copy\.directory_mode/ },
  ],
);

describe('copy plan failures and tree rules', () => {
  const plan = (f: unknown, params: unknown) => () => copy.definition.plan(f as never, copy.parse(params));
  it('follow false onto a symlink to a directory', () => expect(plan(facts(symlink(D, '/etc', { exists: true, type: 'directory' })), { dest: D, content: 'x' })).toThrow(/is a symlink to a directory, not a file/));
  it('remote_src: a missing source', () => expect(plan(hostFacts(absentFile(D), absentFile('/opt/x')), { dest: D, src: '/opt/x', remote_src: true })).toThrow('remote_src: /opt/x does not exist on the host'));
  it('directory src onto a file', () => expect(plan(tree(textFile('/srv/app', 'x')), { dest: '/srv', src: 'files/app' })).toThrow(/\/srv\/app is a file, not a directory to copy into/));
  it('directory src: a file where the tree has a directory', () => expect(plan(tree(directory('/srv/app'), [destEntry('/srv/app/conf', 'file', 'x')]), { dest: '/srv/app', src: 'd/' })).toThrow(/\/srv\/app\/conf is a file, not a directory/));
  it("treeRoot: 'dir/' copies the contents into dest, 'dir' the directory itself", () => {
    expect(treeRoot('files/app/', '/srv/app')).toBe('/srv/app');
    expect(treeRoot('files/app', '/srv/')).toBe('/srv/app');
    expect(treeRoot('/opt/app', '/srv')).toBe('/srv/app');
  });
  it('remote_src tree: a symlink inside is refused, files carry their host path and checksum', () => {
    const listed = [destEntry('/opt/app/a', 'file', 'a'), destEntry('/opt/app/d', 'directory')];
    expect(hostTree('/opt/app/', listed)).toEqual([
      { rel: 'a', type: 'file', mode: '0644', fromHost: { path: '/opt/app/a', sha256: sha('a'), size: 1, text: null } },
      { rel: 'd', type: 'directory', mode: '0644' },
    ]);
    expect(() => hostTree('/opt/app', [destEntry('/opt/app/l', 'link')])).toThrow(/\/opt\/app\/l is a symlink/);
  });
});

describe('copy plan and diff', () => {
  it('refuses to write over a directory', () => {
    expect(() => copy.definition.plan(facts(directory(D)), copy.parse({ dest: D, content: 'x' }))).toThrow(/is a directory, not a regular file/);
  });
  it('renders a text diff', () => {
    const changes = copy.definition.plan(facts(textFile(D, 'a=1\nb=2\n')), copy.parse({ dest: D, content: 'a=1\nb=3\n' })) as Change[];
    expect(renderDiff(changes)).toContain('-b=2\n+b=3');
  });
  it('never puts a secret into the change or its diff', () => {
    const changes = copy.definition.plan(facts(largeFile(D, 'old')), copy.parse({ dest: D, content: new Secret('canary-4f1e2d') })) as Change[];
    expect(JSON.stringify(changes)).not.toContain('canary-4f1e2d');
    expect(renderDiff(changes)).not.toContain('canary-4f1e2d');
    expect(renderDiff(changes)).toContain('***');
  });
  it('applying KnownAfterApply content is a KNOWN_AFTER_APPLY error, before the host is asked', async () => {
    const content = new KnownAfterApply('token') as unknown as string;
    await expect(copy.run(new LocalTransport(), { dest: '/nonexistent-meshbook/x', content })).rejects.toMatchObject({ code: 'KNOWN_AFTER_APPLY' });
  });
});
