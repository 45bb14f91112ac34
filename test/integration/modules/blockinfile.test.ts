import { describe, expect, it } from 'vitest';
import { blockinfile } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const P = '/etc/profile.d/meshbook.sh';
const read = () => hosts.fleet().exec(H, ['cat', P]).then((r) => r.stdout);

describe('blockinfile on a real host', () => {
  it('inserted, unchanged on re-apply, updated in place, removed', async () => {
    await hosts.sh(H, `printf 'head\\ntail\\n' > ${P}`);
    const params = { path: P, name: 'proxy', block: 'export http_proxy=http://10.0.0.1:3128\nexport no_proxy=localhost\n', insertafter: '^head$' };
    await proveIdempotent(blockinfile, t(), params, async () => {
      expect(await read()).toBe('head\n# BEGIN MESHBOOK proxy\nexport http_proxy=http://10.0.0.1:3128\nexport no_proxy=localhost\n# END MESHBOOK proxy\ntail\n');
    });
    await proveOneRoundTrip(blockinfile, t(), params);
    const diff = await applyWithDiff(blockinfile, t(), { ...params, block: 'export http_proxy=http://10.0.0.2:3128\n' });
    expect(diff).toContain('-export http_proxy=http://10.0.0.1:3128\n-export no_proxy=localhost\n+export http_proxy=http://10.0.0.2:3128');
    await proveIdempotent(blockinfile, t(), { path: P, name: 'other', block: 'x=1' });
    await proveIdempotent(blockinfile, t(), { path: P, name: 'proxy', state: 'absent' }, async () => {
      expect(await read()).toBe('head\ntail\n# BEGIN MESHBOOK other\nx=1\n# END MESHBOOK other\n');
    });
  });

  it('check mode reports and leaves the file alone; create on a fresh path', async () => {
    await proveCheckMode(blockinfile, t(), { path: P, name: 'new', block: 'y' }, () => hosts.sh(H, `md5sum ${P}`));
    await proveCheckMode(blockinfile, t(), { path: '/etc/fresh-block', name: 'b', block: 'y', create: true }, () =>
      hosts.sh(H, 'test -e /etc/fresh-block && echo present || echo absent'),
    );
    await proveIdempotent(blockinfile, t(), { path: '/etc/fresh-block', name: 'b', block: "$(id) `x` 'q' ;", create: true, mode: '0640' }, async () => {
      expect(await hosts.sh(H, 'cat /etc/fresh-block; stat -c %a /etc/fresh-block')).toBe("# BEGIN MESHBOOK b\n$(id) `x` 'q' ;\n# END MESHBOOK b\n640\n");
    });
  });

  it('a block name with $& and {mark} is taken literally in the markers', async () => {
    await hosts.sh(H, `rm -f ${P}; printf 'head\\n' > ${P}`);
    await proveIdempotent(blockinfile, t(), { path: P, name: "cost $& $1 $' {mark}", block: 'x=1' }, async () => {
      expect(await read()).toBe("head\n# BEGIN MESHBOOK cost $& $1 $' {mark}\nx=1\n# END MESHBOOK cost $& $1 $' {mark}\n");
    });
  });

  it('create: true makes a missing parent directory, as Ansible does; check mode touches nothing', async () => {
    const path = '/etc/meshbook-new/sub/block.conf';
    const params = { path, name: 'b', block: 'y', create: true };
    await proveCheckMode(blockinfile, t(), params, () => hosts.sh(H, 'test -e /etc/meshbook-new && echo present || echo absent'));
    await proveIdempotent(blockinfile, t(), params, async () => {
      expect(await hosts.sh(H, `cat ${path}; stat -c %a /etc/meshbook-new/sub`)).toBe('# BEGIN MESHBOOK b\ny\n# END MESHBOOK b\n755\n');
    });
  });

  it('an empty block removes the block, as Ansible; several BEGIN markers are refused', async () => {
    await hosts.sh(H, `printf 'head\\n# BEGIN MESHBOOK e\\nold\\n# END MESHBOOK e\\ntail\\n' > ${P}`);
    await proveIdempotent(blockinfile, t(), { path: P, name: 'e', block: '' }, async () => {
      expect(await read()).toBe('head\ntail\n');
    });
    const twice = '# BEGIN MESHBOOK d\\na\\n# END MESHBOOK d\\n';
    await hosts.sh(H, `printf '${twice}${twice}' > ${P}`);
    const before = await read();
    await expect(blockinfile.run(t(), { path: P, name: 'd', block: 'b' })).rejects.toThrow(/found "# BEGIN MESHBOOK d" 2 times/);
    expect(await read()).toBe(before);
  });

  it('marker_begin/marker_end: check mode on a fresh path, apply, apply again', async () => {
    const path = '/etc/meshbook-marks.conf';
    const params = { path, name: 'm', block: 'k=v', marker: '; {mark} {name}', marker_begin: 'start', marker_end: 'stop', create: true };
    await proveCheckMode(blockinfile, t(), params, () => hosts.sh(H, `test -e ${path} && echo present || echo absent`));
    await proveIdempotent(blockinfile, t(), params, async () => {
      expect(await hosts.sh(H, `cat ${path}`)).toBe('; start m\nk=v\n; stop m\n');
    });
  });

  it('prepend_newline/append_newline: blank lines around the block, never doubled; check mode on a fresh file', async () => {
    const path = '/etc/meshbook-spaced.conf';
    await hosts.sh(H, `printf 'Port 22\\nUsePAM yes\\n' > ${path}`);
    const params = { path, name: 'match', block: 'Match User deploy\n  PasswordAuthentication no\n', insertafter: '^Port', prepend_newline: true, append_newline: true };
    await proveCheckMode(blockinfile, t(), params, () => hosts.sh(H, `md5sum ${path}`));
    await proveIdempotent(blockinfile, t(), params, async () => {
      expect(await hosts.sh(H, `cat ${path}`)).toBe('Port 22\n\n# BEGIN MESHBOOK match\nMatch User deploy\n  PasswordAuthentication no\n# END MESHBOOK match\n\nUsePAM yes\n');
    });
    // Updated in place: the blank lines already there count, none is added.
    await proveIdempotent(blockinfile, t(), { ...params, block: 'Match User ops' }, async () => {
      expect(await hosts.sh(H, `cat ${path}`)).toBe('Port 22\n\n# BEGIN MESHBOOK match\nMatch User ops\n# END MESHBOOK match\n\nUsePAM yes\n');
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(blockinfile, t(), { path: P, name: 'x', marker: '# no mark' }, /blockinfile\.marker/);
    await proveBadParams(blockinfile, t(), { path: P, block: 'x' }, /blockinfile\.name/);
  });
});
