import type Docker from 'dockerode';
import { docker } from './docker.js';

export interface HostContainerSpec {
  image: string;
  containerName: string;
  hostname: string;
  networkName: string;
  labels: Record<string, string>;
  /** Mount a small tmpfs at /mnt/small for disk-full tests. */
  smallDisk: boolean;
  /** Static IP on the network; default: docker picks. */
  ip?: string;
  /** Fixed loopback port for sshd; default: docker picks. */
  sshPort?: number;
  /** false: sshd is not published at all (a lab host reached only through a bastion). */
  publishSsh?: boolean;
  /** Restarted by docker when its systemd reboots (FleetHostSpec.restartOnReboot). */
  restartOnReboot?: boolean;
}

export const SMALL_DISK_PATH = '/mnt/small';
const SMALL_DISK_SIZE = '8m';

/**
 * systemd as PID 1 on this machine's engine, as measured in test-hosts.md: --privileged fails
 * (no CAP_SYS_RESOURCE in the bounding set), so all other caps plus unconfined security profiles.
 */
export async function createHostContainer(spec: HostContainerSpec): Promise<Docker.Container> {
  const tmpfs: Record<string, string> = { '/run': '', '/run/lock': '' };
  if (spec.smallDisk) tmpfs[SMALL_DISK_PATH] = `size=${SMALL_DISK_SIZE}`;
  const hostConfig = {
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    // the CLI's `--security-opt systempaths=unconfined`; the API spells it as empty path lists
    MaskedPaths: [],
    ReadonlyPaths: [],
    CgroupnsMode: 'host',
    Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
    Tmpfs: tmpfs,
    Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
    // loopback only, random port: tests reach sshd at 127.0.0.1:<port> and nowhere else
    ...(spec.publishSsh === false ? {} : { PortBindings: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: String(spec.sshPort ?? 0) }] } }),
    NetworkMode: spec.networkName,
    ...(spec.restartOnReboot ? { RestartPolicy: { Name: 'on-failure' } } : {}),
  } satisfies Docker.HostConfig & { CgroupnsMode: string };
  return docker().createContainer({
    name: spec.containerName,
    Hostname: spec.hostname,
    Image: spec.image,
    Labels: spec.labels,
    // systemd reads `container` from PID 1's environment to know it runs in a container
    Env: ['container=docker'],
    // systemd shuts down cleanly on SIGRTMIN+3 (SIGTERM would only make it re-execute itself)
    StopSignal: 'SIGRTMIN+3',
    StopTimeout: 15,
    ...(spec.publishSsh === false ? {} : { ExposedPorts: { '22/tcp': {} } }),
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: { [spec.networkName]: spec.ip ? { IPAMConfig: { IPv4Address: spec.ip } } : {} } },
  });
}

export interface ContainerAddresses {
  port: number;
  ip: string;
  gateway: string;
}

/** The published SSH port and the bridge IP, as docker chose them. */
export async function readAddresses(containerId: string, networkName: string): Promise<ContainerAddresses> {
  const info = await docker().getContainer(containerId).inspect();
  const binding = info.NetworkSettings.Ports?.['22/tcp']?.find((b) => b.HostIp === '127.0.0.1') ?? info.NetworkSettings.Ports?.['22/tcp']?.[0];
  const network = info.NetworkSettings.Networks[networkName];
  if (!binding?.HostPort || !network?.IPAddress) {
    throw new Error(`container ${info.Name} has no published SSH port or no IP on ${networkName} (state: ${info.State.Status})`);
  }
  return { port: Number(binding.HostPort), ip: network.IPAddress, gateway: network.Gateway };
}
