import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { escapeFstabField, findFstabLine, mount, parseFindmnt, sourceIsComparable, unescapeFstabField } from './mount.js';
import { parseFileState } from './lib/file-facts.js';

const file = (path: string, text: string | null) =>
  parseFileState(path, text === null ? 'absent\n' : `stat regular file|644|root|root|${text.length}|0|0\ncontent ${Buffer.from(text).toString('base64')}\n`);
const FSTAB = '/etc/fstab';
const base = '# /etc/fstab: static file system information.\nUUID=abc / ext4 errors=remount-ro 0 1\n';
const bpfLine = 'bpffs /sys/fs/bpf bpf defaults 0 0';
const bpf = { src: 'bpffs', path: '/sys/fs/bpf', fstype: 'bpf' };
const bpfMounted = { source: 'bpffs', fstype: 'bpf', options: 'rw,relatime' };

describePlanFixtures(
  mount,
  [
    {
      name: 'seed 004: bpffs neither in fstab nor mounted',
      params: bpf,
      facts: { fstab: file(FSTAB, base), mounted: null },
      changes: [
        { kind: 'mount.fstab', target: FSTAB, summary: 'add the /sys/fs/bpf entry in /etc/fstab', content: { path: FSTAB, before: base, after: `${base}${bpfLine}\n` } },
        { kind: 'mount.mount', target: '/sys/fs/bpf', summary: 'mount bpffs (bpf) at /sys/fs/bpf' },
      ],
    },
    { name: 'in fstab (other spacing) and mounted: nothing', params: bpf, facts: { fstab: file(FSTAB, `${base}bpffs\t/sys/fs/bpf  bpf defaults 0 0\n`), mounted: bpfMounted }, changes: [] },
    {
      name: 'a pseudo filesystem mounted under another label is the same filesystem',
      params: bpf,
      facts: { fstab: file(FSTAB, `${base}${bpfLine}\n`), mounted: { source: 'bpf', fstype: 'bpf', options: 'rw' } },
      changes: [],
    },
    {
      name: 'fstab entry with other options: the line is replaced in place',
      params: { ...bpf, opts: 'rw,mode=700' },
      facts: { fstab: file(FSTAB, `${bpfLine}\n${base}`), mounted: bpfMounted },
      changes: [{ kind: 'mount.fstab', target: FSTAB, summary: 'update the /sys/fs/bpf entry in /etc/fstab', content: { path: FSTAB, before: `${bpfLine}\n${base}`, after: `bpffs /sys/fs/bpf bpf rw,mode=700 0 0\n${base}` } }],
    },
    {
      name: 'another filesystem type mounted there: remount',
      params: { src: 'tmpfs', path: '/mnt/t', fstype: 'tmpfs' },
      facts: { fstab: file(FSTAB, 'tmpfs /mnt/t tmpfs defaults 0 0\n'), mounted: { source: '/dev/sdb1', fstype: 'ext4', options: 'rw' } },
      changes: [{ kind: 'mount.remount', target: '/mnt/t', before: '/dev/sdb1 ext4', after: 'tmpfs tmpfs' }],
    },
    {
      name: 'a device path that differs: remount',
      params: { src: '/dev/sdc1', path: '/data', fstype: 'ext4' },
      facts: { fstab: file(FSTAB, '/dev/sdc1 /data ext4 defaults 0 0\n'), mounted: { source: '/dev/sdb1', fstype: 'ext4', options: 'rw' } },
      changes: [{ kind: 'mount.remount', target: '/data' }],
    },
    { name: 'present: fstab only, not mounted is fine', params: { ...bpf, state: 'present' }, facts: { fstab: file(FSTAB, `${bpfLine}\n`), mounted: null }, changes: [] },
    { name: 'fstab missing altogether: created', params: { ...bpf, state: 'present' }, facts: { fstab: file(FSTAB, null), mounted: null }, changes: [{ kind: 'mount.fstab', target: FSTAB, content: { path: FSTAB, before: null, after: `${bpfLine}\n` } }] },
    { name: 'unmounted: unmount, fstab untouched', params: { path: '/sys/fs/bpf', state: 'unmounted' }, facts: { fstab: file(FSTAB, `${bpfLine}\n`), mounted: bpfMounted }, changes: [{ kind: 'mount.unmount', target: '/sys/fs/bpf' }] },
    { name: 'unmounted and not mounted: nothing', params: { path: '/sys/fs/bpf', state: 'unmounted' }, facts: { fstab: file(FSTAB, `${bpfLine}\n`), mounted: null }, changes: [] },
    {
      name: 'absent: unmount and remove the line',
      params: { path: '/sys/fs/bpf', state: 'absent' },
      facts: { fstab: file(FSTAB, `${base}${bpfLine}\n`), mounted: bpfMounted },
      changes: [{ kind: 'mount.fstab', target: FSTAB, content: { path: FSTAB, before: `${base}${bpfLine}\n`, after: base } }, { kind: 'mount.unmount', target: '/sys/fs/bpf' }],
    },
    { name: 'absent and gone: nothing', params: { path: '/sys/fs/bpf', state: 'absent' }, facts: { fstab: file(FSTAB, base), mounted: null }, changes: [] },
    {
      name: 'a mount point with a blank is escaped as \\040',
      params: { src: 'tmpfs', path: '/mnt/my disk', fstype: 'tmpfs', state: 'present' },
      facts: { fstab: file(FSTAB, ''), mounted: null },
      changes: [{ kind: 'mount.fstab', target: FSTAB, content: { path: FSTAB, before: '', after: 'tmpfs /mnt/my\\040disk tmpfs defaults 0 0\n' } }],
    },
  ],
  [
    { name: 'mounted without src', params: { path: '/sys/fs/bpf', fstype: 'bpf' }, error: /mount\.src: required when state is mounted/ },
    { name: 'present without fstype', params: { path: '/sys/fs/bpf', src: 'bpffs', state: 'present' }, error: /mount\.fstype: required/ },
    { name: 'a relative path', params: { ...bpf, path: 'sys/fs/bpf' }, error: /mount\.path/ },
    { name: 'passno 3', params: { ...bpf, passno: 3 }, error: /mount\.passno/ },
  ],
);

describe('mount helpers', () => {
  it('parses findmnt -J, the topmost of stacked mounts', () => {
    expect(parseFindmnt('{"filesystems":[{"target":"/x","source":"a","fstype":"tmpfs","options":"rw"},{"target":"/x","source":"b","fstype":"bpf","options":"rw"}]}')).toEqual({
      source: 'b',
      fstype: 'bpf',
      options: 'rw',
    });
  });
  it('escapes and finds fstab fields', () => {
    expect(escapeFstabField('a b\tc')).toBe('a\\040b\\011c');
    expect(unescapeFstabField('a\\040b')).toBe('a b');
    expect(findFstabLine(['# /x comment', 'a /x t o 0 0', '#b /x t o 0 0'], '/x')).toBe(1);
  });
  it('compares sources only where findmnt shows them as given', () => {
    expect(sourceIsComparable('bpffs')).toBe(false);
    expect(sourceIsComparable('UUID=abc')).toBe(false);
    expect(sourceIsComparable('/dev/sdb1')).toBe(true);
    expect(sourceIsComparable('nfs:/export')).toBe(true);
  });
});

describe('mount: bind mounts', () => {
  it('a bind mount that is there counts as right, whatever findmnt calls its type', () => {
    const p = mount.parse({ src: '/dev/shm', path: '/mnt/scratch', fstype: 'none', opts: 'bind' });
    const facts = { fstab: file(FSTAB, '/dev/shm /mnt/scratch none bind 0 0\n'), mounted: { source: 'tmpfs[/]', fstype: 'tmpfs', options: 'rw' } };
    expect(mount.definition.plan(facts, p)).toEqual([]);
  });
});
