import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { aptRepository, repositoryLine } from './apt-repository.js';
import { parseFileState } from './lib/file-facts.js';

const PATH = '/etc/apt/sources.list.d/docker.list';
const file = (text: string | null) =>
  parseFileState(PATH, text === null ? 'absent\n' : `stat regular file|644|root|root|${text.length}|0|0\ncontent ${Buffer.from(text).toString('base64')}\n`);
const docker = { name: 'docker', uri: 'https://download.docker.com/linux/debian', suite: 'bookworm', components: ['stable'], arch: 'amd64', signedBy: '/etc/apt/keyrings/docker.gpg' };
const dockerLine = 'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable\n';

describePlanFixtures(
  aptRepository,
  [
    {
      name: 'missing: add the file (and refresh)',
      params: docker,
      facts: file(null),
      changes: [{ kind: 'apt_repository.file', target: PATH, summary: `add ${PATH} and refresh its package lists`, content: { path: PATH, before: null, after: dockerLine } }],
    },
    { name: 'same line: nothing (no refresh)', params: docker, facts: file(dockerLine), changes: [] },
    {
      name: 'another suite: update',
      params: { ...docker, updateCache: false },
      facts: file(dockerLine.replace('bookworm', 'bullseye')),
      changes: [{ kind: 'apt_repository.file', target: PATH, summary: `update ${PATH}` }],
    },
    {
      name: 'flat repository (pkgs.k8s.io style)',
      params: { name: 'kubernetes', uri: 'https://pkgs.k8s.io/core:/stable:/v1.30/deb/', suite: '/', signedBy: '/etc/apt/keyrings/kubernetes.gpg' },
      facts: parseFileState('/etc/apt/sources.list.d/kubernetes.list', 'absent\n'),
      changes: [
        {
          kind: 'apt_repository.file',
          target: '/etc/apt/sources.list.d/kubernetes.list',
          content: { path: '/etc/apt/sources.list.d/kubernetes.list', before: null, after: 'deb [signed-by=/etc/apt/keyrings/kubernetes.gpg] https://pkgs.k8s.io/core:/stable:/v1.30/deb/ /\n' },
        },
      ],
    },
    { name: 'absent: remove', params: { ...docker, state: 'absent' }, facts: file(dockerLine), changes: [{ kind: 'apt_repository.remove', target: PATH }] },
    { name: 'absent and gone: nothing', params: { ...docker, state: 'absent' }, facts: file(null), changes: [] },
  ],
  [
    { name: 'no components on a dist suite', params: { ...docker, components: [] }, error: /aptRepository\.components: at least one component/ },
    { name: 'components on a flat repo', params: { ...docker, suite: '/' }, error: /flat repository/ },
    { name: 'a blank in a component', params: { ...docker, components: ['stable main'] }, error: /aptRepository\.components\[0\]/ },
    { name: 'a relative keyring', params: { ...docker, signedBy: 'docker.gpg' }, error: /aptRepository\.signedBy/ },
    { name: 'not a URL', params: { ...docker, uri: 'download.docker.com' }, error: /aptRepository\.uri/ },
  ],
);

describe('repositoryLine', () => {
  it('several architectures, no options', () => {
    expect(repositoryLine({ type: 'deb-src', uri: 'http://x/debian', suite: 'bookworm', components: ['main', 'contrib'], arch: ['amd64', 'arm64'], signedBy: undefined })).toBe(
      'deb-src [arch=amd64,arm64] http://x/debian bookworm main contrib',
    );
    expect(repositoryLine({ type: 'deb', uri: 'http://x/debian', suite: 'bookworm', components: ['main'], arch: undefined, signedBy: undefined })).toBe('deb http://x/debian bookworm main');
  });
});
