import { hosts } from './hosts.js';
import { absentFile, textFile } from './lib/file-state-fixtures.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const P = '/etc/hosts';
const BASE = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n';
const ENS3 = '# BEGIN MESHBOOK HOSTS cluster-ens3\n10.0.0.1\tm1 m1.c1\n10.0.0.2\tw1\n# END MESHBOOK HOSTS cluster-ens3\n';
const WG0 = '# BEGIN MESHBOOK HOSTS cluster-wg0\n10.7.0.1\tm1-wg\n# END MESHBOOK HOSTS cluster-wg0\n';
const ens3 = { name: 'cluster-ens3', entries: [{ ip: '10.0.0.1', names: ['m1', 'm1.c1'] }, { ip: '10.0.0.2', names: ['w1'] }] };
const f = (content: string) => ({ file: textFile(P, content) });
const edit = (before: string | null, after: string) => [{ kind: 'hosts.content', target: P, content: { path: P, before, after } }];

describePlanFixtures(
  hosts,
  [
    { name: 'block appended, other lines untouched', params: ens3, facts: f(BASE), changes: edit(BASE, BASE + ENS3) },
    { name: 'block there → nothing', params: ens3, facts: f(BASE + ENS3), changes: [] },
    { name: 'second purpose, second block', params: { name: 'cluster-wg0', entries: [{ ip: '10.7.0.1', names: ['m1-wg'] }] }, facts: f(BASE + ENS3), changes: edit(BASE + ENS3, BASE + ENS3 + WG0) },
    { name: 'entry changed in place, the other block kept', params: { ...ens3, entries: [{ ip: '10.0.0.9', names: ['m1'] }] }, facts: f(BASE + ENS3 + WG0), changes: edit(BASE + ENS3 + WG0, `${BASE}# BEGIN MESHBOOK HOSTS cluster-ens3\n10.0.0.9\tm1\n# END MESHBOOK HOSTS cluster-ens3\n${WG0}`) },
    { name: 'state absent removes only that block', params: { name: 'cluster-ens3', state: 'absent' }, facts: f(BASE + ENS3 + WG0), changes: edit(BASE + ENS3 + WG0, BASE + WG0) },
    { name: 'IPv6 entry', params: { name: 'v6', entries: [{ ip: 'fd00::1', names: ['m1'] }], path: '/tmp/hosts' }, facts: { file: absentFile('/tmp/hosts') }, changes: [{ kind: 'hosts.content', target: '/tmp/hosts', content: { path: '/tmp/hosts', before: null, after: '# BEGIN MESHBOOK HOSTS v6\nfd00::1\tm1\n# END MESHBOOK HOSTS v6\n' } }] },
  ],
  [
    { name: 'a duplicate name in a block', params: { name: 'x', entries: [{ ip: '10.0.0.1', names: ['a'] }, { ip: '10.0.0.2', names: ['A'] }] }, error: /hosts\.entries\[1\]\.names\[0\]: "A" is already in entries\[0\]/ },
    { name: 'a bad address', params: { name: 'x', entries: [{ ip: '10.0.0.300', names: ['a'] }] }, error: /hosts\.entries\[0\]\.ip/ },
    { name: 'a bad host name', params: { name: 'x', entries: [{ ip: '10.0.0.1', names: ['a b'] }] }, error: /hosts\.entries\[0\]\.names\[0\]: a host name/ },
    { name: 'an entry without names', params: { name: 'x', entries: [{ ip: '10.0.0.1', names: [] }] }, error: /at least one name/ },
    { name: 'a block name with spaces', params: { name: 'a b' }, error: /hosts\.name/ },
    { name: 'an unknown key in an entry', params: { name: 'x', entries: [{ ip: '10.0.0.1', names: ['a'], alias: 'b' }] }, error: /alias/ },
  ],
);
