// The kubeadm modules in a playbook run by the real CLI at -vvv --diff --json --log-file (check
// mode, apply, apply again): the join command crosses from master to worker as a typed value,
// and no join token, certificate key or client key appears in any output, event, diff or log.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { meshbook, REPO_ROOT, type CliRun } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { installDoubles, stageDoubles } from '../support/doubles.js';
import { expectExit, expectNoSecretIn, onHost, resultsOf, useWorkDir, writeInventory } from '../faults/harness.js';

const fleet = useFleet({ hosts: ['m1', 'w1'] });
const workDir = useWorkDir();
const PLAYBOOK = join(REPO_ROOT, 'test/integration/modules/fixtures/kubeadm-cluster.ts');
let inventory = '';

const play = (args: string[]): Promise<CliRun> => meshbook(['run', PLAYBOOK, '-i', inventory, ...args], { timeoutMs: 600_000 });
const nodeState = (host: string) => onHost(fleet(), host, 'ls -la --time-style=+ /etc/kubernetes /var/lib/kubelet /home/jin /run/meshbook 2>&1; systemctl is-active kube-apiserver');

beforeAll(async () => {
  const staged = await stageDoubles();
  try {
    await Promise.all(['m1', 'w1'].map((h) => installDoubles(fleet(), h, staged.tarball)));
  } finally {
    staged.cleanup();
  }
  for (const host of ['m1', 'w1']) await onHost(fleet(), host, 'useradd -m -s /bin/bash jin');
  inventory = await writeInventory(fleet(), workDir(), { hostVars: { m1: { node_ip: fleet().host('m1').ip } } });
});

describe('kubeadm playbook: secret canary', () => {
  const outputs: Array<{ where: string; text: string }> = [];

  it('check mode on fresh hosts plans every step, the join command known after apply, and touches nothing', async () => {
    const before = [await nodeState('m1'), await nodeState('w1')];
    const logFile = join(workDir(), 'check.log');
    const run = await play(['--check', '--json', '-vvv', '--diff', '--log-file', logFile]);
    expectExit(run, 0);
    outputs.push({ where: 'check: JSON events and stderr', text: run.stdout + run.stderr }, { where: 'check: log', text: await readFile(logFile, 'utf8') });
    expect(resultsOf(run, 'kubeadm init')['m1']).toMatchObject({ status: 'changed' });
    expect(resultsOf(run, 'join command')['m1']).toMatchObject({ status: 'changed' });
    expect(resultsOf(run, 'kubeadm join')['w1']).toMatchObject({ status: 'changed', knownAfterApply: true });
    expect([await nodeState('m1'), await nodeState('w1')]).toEqual(before);
  });

  it('apply builds the cluster: the worker joins with the master\'s join command', async () => {
    const logFile = join(workDir(), 'apply.log');
    const run = await play(['--json', '-vvv', '--diff', '--log-file', logFile]);
    expectExit(run, 0);
    outputs.push({ where: 'apply: JSON events and stderr', text: run.stdout + run.stderr }, { where: 'apply: log', text: await readFile(logFile, 'utf8') });
    for (const task of ['kubeadm config', 'kubeadm init', 'keep the certificate key', 'admin kubeconfig', 'join command']) {
      expect(resultsOf(run, task)['m1']?.status, task).toBe('changed');
    }
    expect(resultsOf(run, 'kubeadm join')['w1']?.status).toBe('changed');
    const ready = await onHost(fleet(), 'm1', 'kubectl --kubeconfig /etc/kubernetes/admin.conf wait --for=condition=Ready node --all --timeout=90s');
    expect(ready.trim().split('\n').sort()).toEqual(['node/m1 condition met', 'node/w1 condition met']);
  });

  it('apply again changes nothing (no token minted: the worker is joined), in the human output at -vvv too', async () => {
    const run = await play(['-vvv', '--diff']);
    expectExit(run, 0);
    outputs.push({ where: 'second run: human output', text: run.stdout + run.stderr });
    expect(run.stdout).toMatch(/m1 +: ok=\d+ +changed=0/);
    expect(run.stdout).toMatch(/w1 +: ok=\d+ +changed=0/);
  });

  it('no join token, certificate key or client key appears in any of it', async () => {
    const certificateKey = (await onHost(fleet(), 'm1', 'cat /root/certificate-key')).trim();
    expect(certificateKey).toMatch(/^[0-9a-f]{64}$/);
    const tokens = (await onHost(fleet(), 'm1', `kubectl --kubeconfig /etc/kubernetes/admin.conf get secrets -n kube-system --field-selector type=bootstrap.kubernetes.io/token -o go-template='{{range .items}}{{index .data "token-id" | base64decode}}.{{index .data "token-secret" | base64decode}}{{"\\n"}}{{end}}'`)).trim().split('\n');
    expect(tokens.length).toBeGreaterThanOrEqual(2); // init's own and the one minted for w1
    for (const token of tokens) expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const clientKey = (await onHost(fleet(), 'm1', `sed -n 's/^ *client-key-data: *//p' /home/jin/.kube/config`)).trim();
    expect(clientKey.length).toBeGreaterThan(100);
    const clientKeyPem = Buffer.from(clientKey, 'base64').toString().split('\n').slice(1, 3).join('\n');
    expect(outputs.length).toBe(5);
    for (const { where, text } of outputs) {
      for (const secret of [certificateKey, ...tokens, clientKey, clientKeyPem]) expectNoSecretIn(where, text, secret);
    }
  });
});
