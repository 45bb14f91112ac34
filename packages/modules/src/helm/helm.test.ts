import { describe, expect, it } from 'vitest';
import { MeshbookError, Secret, redact, sh } from '@meshbook/engine';
import { describePlanFixtures } from '../testing/plan-fixtures.js';
import { helmRepository, parseRepoList } from './helm-repository.js';
import { helmRelease, listedVersion } from './helm-release.js';
import type { HelmListedRelease } from './helm-release.js';
import { helmFailure } from './helm-cli.js';
import { helmProgressMask, withoutStackTrace } from './helm-progress.js';

const CILIUM = 'https://stand-ins.meshbook.test/helm.cilium.io/';

describePlanFixtures(
  helmRepository,
  [
    { name: 'missing: add', params: { name: 'cilium', url: CILIUM }, facts: { repos: [], indexAge: undefined }, changes: [{ kind: 'helmRepository.add', target: 'cilium', after: CILIUM }] },
    { name: 'present with the same URL (trailing slash aside): nothing', params: { name: 'cilium', url: CILIUM }, facts: { repos: [{ name: 'cilium', url: CILIUM.replace(/\/$/, '') }], indexAge: undefined }, changes: [] },
    {
      name: 'present with another URL: re-added with --force-update',
      params: { name: 'cilium', url: CILIUM },
      facts: { repos: [{ name: 'cilium', url: 'https://helm.cilium.io/' }], indexAge: undefined },
      changes: [{ kind: 'helmRepository.add', target: 'cilium', summary: `helm repository cilium: https://helm.cilium.io/ → ${CILIUM}`, payload: { name: 'cilium', url: CILIUM, replace: true } }],
    },
    { name: 'updateCache, index fresh: nothing', params: { name: 'cilium', url: CILIUM, updateCache: true }, facts: { repos: [{ name: 'cilium', url: CILIUM }], indexAge: 10 }, changes: [] },
    { name: 'updateCache, index old: update', params: { name: 'cilium', url: CILIUM, updateCache: true, cacheValidTime: 60 }, facts: { repos: [{ name: 'cilium', url: CILIUM }], indexAge: 61 }, changes: [{ kind: 'helmRepository.update', target: 'cilium' }] },
    { name: 'absent, present: remove', params: { name: 'cilium', url: CILIUM, state: 'absent' }, facts: { repos: [{ name: 'cilium', url: CILIUM }], indexAge: undefined }, changes: [{ kind: 'helmRepository.remove', target: 'cilium' }] },
    { name: 'absent, already gone: nothing', params: { name: 'cilium', url: CILIUM, state: 'absent' }, facts: { repos: [], indexAge: undefined }, changes: [] },
  ],
  [
    { name: 'a name with a blank', params: { name: 'a b', url: CILIUM }, error: /helmRepository\.name/ },
    { name: 'a URL with a quote', params: { name: 'x', url: "https://x/'$(reboot)" }, error: /helmRepository\.url/ },
  ],
);

const listed = (over: Partial<HelmListedRelease> = {}): HelmListedRelease => ({
  name: 'metallb', namespace: 'metallb-system', revision: '1', updated: '2026-12-01 09:00:00.1 +0000 UTC', status: 'deployed', chart: 'metallb-0.14.9', app_version: 'v0.14.9', ...over,
});
const release = { name: 'metallb', namespace: 'metallb-system', chart: 'metallb/metallb', version: '0.14.9', values: { speaker: { frr: { enabled: false } } } };

describePlanFixtures(
  helmRelease,
  [
    { name: 'not installed: install', params: release, facts: { release: null, values: null }, changes: [{ kind: 'helmRelease.install', target: 'metallb-system/metallb', summary: 'install metallb-system/metallb from metallb/metallb 0.14.9' }] },
    { name: 'deployed, same version and values: nothing (no needless revision)', params: release, facts: { release: listed(), values: { speaker: { frr: { enabled: false } } } }, changes: [] },
    {
      name: 'another chart version: upgrade',
      params: { ...release, version: '0.14.10' },
      facts: { release: listed(), values: release.values },
      changes: [{ kind: 'helmRelease.upgrade', target: 'metallb-system/metallb', summary: 'upgrade metallb-system/metallb (revision 1): chart metallb-0.14.9 → 0.14.10' }],
    },
    {
      name: 'a value differs: upgrade naming it, before and after',
      params: { ...release, values: { speaker: { frr: { enabled: true } } } },
      facts: { release: listed({ revision: '3' }), values: release.values },
      changes: [{ kind: 'helmRelease.upgrade', target: 'metallb-system/metallb', summary: 'upgrade metallb-system/metallb (revision 3): values: speaker.frr.enabled', before: 'chart: metallb-0.14.9\nspeaker.frr.enabled: false', after: 'chart: metallb/metallb 0.14.9\nspeaker.frr.enabled: true' }],
    },
    {
      name: 'a secret value differs: its path is named, both values hidden',
      params: { ...release, values: { auth: { password: new Secret('new-password-text') } } },
      facts: { release: listed(), values: { auth: { password: 'old-password-text' } } },
      changes: [{ kind: 'helmRelease.upgrade', target: 'metallb-system/metallb', before: 'chart: metallb-0.14.9\nauth.password: ***', after: 'chart: metallb/metallb 0.14.9\nauth.password: ***' }],
    },
    { name: 'a secret value already deployed: nothing', params: { ...release, values: { auth: { password: new Secret('same-password-text') } } }, facts: { release: listed(), values: { auth: { password: 'same-password-text' } } }, changes: [] },
    { name: 'no version asked: any deployed version is accepted', params: { ...release, version: undefined }, facts: { release: listed({ chart: 'metallb-0.13.0' }), values: release.values }, changes: [] },
    { name: 'failed release: upgraded', params: release, facts: { release: listed({ status: 'failed' }), values: release.values }, changes: [{ kind: 'helmRelease.upgrade', target: 'metallb-system/metallb', summary: 'upgrade metallb-system/metallb (revision 1): status failed' }] },
    { name: 'absent, installed: uninstall', params: { ...release, state: 'absent' }, facts: { release: listed(), values: null }, changes: [{ kind: 'helmRelease.uninstall', target: 'metallb-system/metallb' }] },
    { name: 'absent, not installed: nothing', params: { ...release, state: 'absent' }, facts: { release: null, values: null }, changes: [] },
  ],
  [
    { name: 'a release name over 53 characters', params: { ...release, name: 'a'.repeat(54) }, error: /helmRelease\.name/ },
    { name: 'a chart with a shell word', params: { ...release, chart: 'metallb/metallb; reboot' }, error: /helmRelease\.chart/ },
    { name: 'a relative kubeconfig', params: { ...release, kubeconfig: 'admin.conf' }, error: /helmRelease\.kubeconfig/ },
  ],
);

describe('helm release states and errors', () => {
  it('a pending-upgrade release is reported, not retried', () => {
    const plan = () => helmRelease.definition.plan({ release: listed({ status: 'pending-upgrade', revision: '4' }), values: {} }, helmRelease.parse(release));
    expect(plan).toThrow(MeshbookError);
    expect(plan).toThrow(/metallb-system\/metallb is pending-upgrade \(revision 4/);
  });

  it('the chart version is the end of helm list\'s chart field', () => {
    expect(listedVersion('cilium-1.16.5')).toBe('1.16.5');
    expect(listedVersion('ingress-nginx-4.11.3')).toBe('4.11.3');
    expect(listedVersion('cert-manager-v1.15.0')).toBe('v1.15.0');
    expect(listedVersion('x-1.0.0-rc.1')).toBe('1.0.0-rc.1');
  });

  it('helm repo list: "no repositories to show" is an empty list', () => {
    expect(parseRepoList(1, '', 'Error: no repositories to show\n')).toEqual([]);
    expect(parseRepoList(0, '[{"name":"cilium","url":"https://x/"}]\n', '')).toEqual([{ name: 'cilium', url: 'https://x/' }]);
  });

  it('helm failures are told apart by message', () => {
    const f = (stderr: string) => helmFailure('m1', 'upgrading', sh`helm upgrade`, { exitCode: 1, stdout: '', stderr });
    expect(f('Error: Kubernetes cluster unreachable: Get "https://10.0.0.1:6443/version": dial tcp: connection refused\n').code).toBe('UNREACHABLE');
    expect(f('Error: chart "cilium" matching 9.9.9 not found in cilium index. (try \'helm repo update\')\n').hint).toMatch(/helm search repo/);
    const schema = f("Error: values don't meet the specifications of the schema(s) in the following chart(s):\nwebapp:\n- replicas: Invalid type. Expected: integer, given: string\n");
    expect(schema.message).toContain("the chart's schema rejects the values: - replicas: Invalid type. Expected: integer, given: string");
    expect(f('', ).message).toContain('helm exited with 1');
  });
});

describe('helm output on its way to the live view', () => {
  it('debug lines pass with secret values masked in every form; from the release sections on, stdout is dropped', () => {
    const mask = helmProgressMask(['s3cret-"pw"']);
    const b64 = Buffer.from('s3cret-"pw"').toString('base64');
    expect(mask('client.go:142: [debug] creating 2 resource(s)', 'stderr')).toBe('client.go:142: [debug] creating 2 resource(s)');
    expect(mask('Release "webapp" does not exist. Installing it now.', 'stdout')).toBe('Release "webapp" does not exist. Installing it now.');
    expect(mask(`value s3cret-"pw", escaped "s3cret-\\"pw\\"", encoded ${b64}`, 'stderr')).toBe('value ***, escaped "***", encoded ***');
    expect(mask('USER-SUPPLIED VALUES:', 'stdout')).toBe("(the release's values, manifest and NOTES are not shown)");
    for (const line of ['greeting: plain', 'NOTES:', 'Your greeting is anything']) expect(mask(line, 'stdout')).toBe('');
    expect(mask('wait.go:50: [debug] beginning wait for 2 resources with timeout of 5m0s', 'stderr')).toContain('beginning wait');
    expect(redact(`leaked ${b64}`)).toBe('leaked ***');
    expect(mask('Error: INSTALLATION FAILED: boom', 'stderr')).toBe('Error: INSTALLATION FAILED: boom');
    expect(mask('helm.go:86: [debug] boom', 'stderr')).toBe('');
  });

  it('helm --debug\'s stack trace after the error line is left out of errors', () => {
    const stderr = 'install.go:225: [debug] Original chart version: ""\nError: INSTALLATION FAILED: boom\nhelm.go:86: [debug] boom\nmain.main\n\thelm.sh/helm/v3/cmd/helm/helm.go:85';
    expect(withoutStackTrace(stderr)).toBe('install.go:225: [debug] Original chart version: ""\nError: INSTALLATION FAILED: boom');
    expect(helmFailure('h', 'installing', sh`helm upgrade`, { exitCode: 1, stdout: '', stderr }).stderr).not.toContain('main.main');
  });
});
