import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export const KUBELET_VERSION = 'v1.31.9';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readOr('/etc/os-release', ''));
  return pretty?.[1] ?? 'Linux';
}

const condition = (type: string, status: string, reason: string, message: string, now: string) => ({
  type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now,
});

/** The conditions a healthy kubelet reports; `since` keeps lastTransitionTime from the first report. */
export function nodeConditions(now: string, since: string): Array<Record<string, string>> {
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', now),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', now),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', now),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', now),
  ].map((c) => ({ ...c, lastTransitionTime: since }));
}

/** The Node object a kubelet registers (kubelet_node_status.go's initialNode), with its status. */
export function initialNode(name: string, address: string, now: string): Record<string, unknown> {
  const capacity = { cpu: String(cpus().length), 'ephemeral-storage': '61202244Ki', 'hugepages-2Mi': '0', memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {},
    status: {
      addresses: [{ type: 'InternalIP', address }, { type: 'Hostname', address: name }],
      allocatable: capacity,
      capacity,
      conditions: nodeConditions(now, now),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
        containerRuntimeVersion: 'containerd://1.6.20',
        kernelVersion: release(),
        kubeProxyVersion: KUBELET_VERSION,
        kubeletVersion: KUBELET_VERSION,
        machineID: readOr('/etc/machine-id', ''),
        operatingSystem: 'linux',
        osImage: osImage(),
        systemUUID: readOr('/sys/class/dmi/id/product_uuid', readOr('/etc/machine-id', '')),
      },
    },
  };
}
