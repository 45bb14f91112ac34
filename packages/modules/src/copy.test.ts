import { describe, expect, it } from 'vitest';
import { KnownAfterApply, LocalTransport, Secret, renderDiff } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { copy } from './copy.js';
import { absentFile, directory, largeFile, textFile } from './lib/file-state-fixtures.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const D = '/etc/app.conf';
const facts = (dest = absentFile(D), source: { path: string; bytes: Buffer } | null = null) => ({ dest, source });

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
  ],
);

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
