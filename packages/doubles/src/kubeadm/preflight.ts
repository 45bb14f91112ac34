import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { phaseError } from './errors.js';
import type { Layout } from './layout.js';

/** One preflight check, named as kubeadm names it (`Port-6443`, `FileAvailable--etc-…`). */
export interface Check {
  name: string;
  /** a problem kubeadm only warns about */
  warningOnly?: boolean;
  /** The problem, or undefined when the check passes. */
  run(): Promise<string | undefined>;
}

export function portCheck(port: number): Check {
  return {
    name: `Port-${port}`,
    run: async () => ((await portInUse(port)) ? `Port ${port} is in use` : undefined),
  };
}

/** Check names are the path with `/` replaced by `-` (kubeadm: `FileAvailable--etc-kubernetes-kubelet.conf`). */
function checkPathName(layout: Layout, path: string): string {
  return `/${relative(layout.root, path)}`.replace(/\//g, '-');
}

function shownPath(layout: Layout, path: string): string {
  return `/${relative(layout.root, path)}`;
}

export function fileAvailableCheck(layout: Layout, path: string): Check {
  return {
    name: `FileAvailable-${checkPathName(layout, path)}`,
    run: async () => (existsSync(path) ? `${shownPath(layout, path)} already exists` : undefined),
  };
}

export function dirAvailableCheck(layout: Layout, path: string): Check {
  return {
    name: `DirAvailable-${checkPathName(layout, path)}`,
    run: async () => (existsSync(path) && readdirSync(path).length > 0 ? `${shownPath(layout, path)} is not empty` : undefined),
  };
}

/** kubeadm's ServiceCheck for the kubelet: a warning when the unit is not enabled. */
export function kubeletServiceCheck(isEnabled: () => boolean): Check {
  return {
    name: 'Service-Kubelet',
    warningOnly: true,
    run: async () => (isEnabled() ? undefined : "kubelet service is not enabled, please run 'systemctl enable kubelet.service'"),
  };
}

export function privilegedUserCheck(): Check {
  return {
    name: 'IsPrivilegedUser',
    run: async () => (process.getuid?.() === 0 ? undefined : 'user is not running as root'),
  };
}

/** kubeadm's RunInitNodeChecks, for the checks that mean something on a lab host. */
export function initChecks(layout: Layout, bindPort: number, kubeletEnabled: () => boolean = () => true): Check[] {
  const manifest = (name: string) => join(layout.manifestsDir, `${name}.yaml`);
  return [
    privilegedUserCheck(),
    portCheck(bindPort),
    portCheck(10259),
    portCheck(10257),
    fileAvailableCheck(layout, manifest('kube-apiserver')),
    fileAvailableCheck(layout, manifest('kube-controller-manager')),
    fileAvailableCheck(layout, manifest('kube-scheduler')),
    fileAvailableCheck(layout, manifest('etcd')),
    kubeletServiceCheck(kubeletEnabled),
    portCheck(10250),
    portCheck(2379),
    portCheck(2380),
    dirAvailableCheck(layout, layout.etcdDataDir),
  ];
}

/** kubeadm's RunJoinNodeChecks for a worker. */
export function joinChecks(layout: Layout, kubeletEnabled: () => boolean = () => true): Check[] {
  return [
    privilegedUserCheck(),
    dirAvailableCheck(layout, layout.manifestsDir),
    kubeletServiceCheck(kubeletEnabled),
    fileAvailableCheck(layout, layout.kubeletConf),
    fileAvailableCheck(layout, layout.bootstrapKubeletConf),
    portCheck(10250),
    fileAvailableCheck(layout, join(layout.pkiDir, 'ca.crt')),
  ];
}

/**
 * Runs the checks; those named in `ignore` (or all, with `all`) are printed as warnings, the rest
 * fail the phase with kubeadm's block of `[ERROR …]` lines.
 */
export async function runChecks(checks: Check[], ignore: string[], warn: (line: string) => void): Promise<void> {
  const ignored = new Set(ignore.map((i) => i.toLowerCase()));
  const errors: string[] = [];
  for (const check of checks) {
    const problem = await check.run();
    if (!problem) continue;
    if (check.warningOnly || ignored.has('all') || ignored.has(check.name.toLowerCase())) warn(`\t[WARNING ${check.name}]: ${problem}`);
    else errors.push(`\t[ERROR ${check.name}]: ${problem}\n`);
  }
  if (errors.length > 0) {
    throw phaseError(
      'preflight',
      `[preflight] Some fatal errors occurred:\n${errors.join('')}[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\``,
    );
  }
}

/** As kubeadm: try to listen on the port on all addresses. */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}
