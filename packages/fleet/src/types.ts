/** One systemd-in-Docker host, reachable over SSH on a loopback port. */
import type { StandIns } from './stand-ins/index.js';

export interface FleetHost {
  /** e.g. 'node1' (unique inside the fleet); also the container's hostname. */
  name: string;
  containerId: string;
  containerName: string;
  address: '127.0.0.1';
  /** sshd published on 127.0.0.1:<random>; updated in place by `fleet.start()`. */
  port: number;
  /** Container IP on the fleet's own bridge, for host-to-host traffic (wireguard etc.). */
  ip: string;
  /** "[127.0.0.1]:PORT ssh-ed25519 AAAA..." lines for this host's keys, as the fleet recorded them. */
  knownHostsLines: string[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  stdin?: string;
  user?: string;
}

export interface Fleet {
  /** Unique per fleet; used in container names and labels. */
  id: string;
  hosts: FleetHost[];
  host(name: string): FleetHost;
  /** ed25519 private key (0600) authorised for root and for the sudo user. */
  privateKeyPath: string;
  /** known_hosts with every host's keys. */
  knownHostsPath: string;
  /** Non-root user with a sudo password (sudo asks for it). */
  sudoUser: { name: string; password: string };
  /** The lab's own internet (apt repositories, releases, charts over HTTPS), when asked for. */
  standIns: StandIns | null;
  /** docker exec, for verifying from outside SSH. */
  exec(host: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  stop(host: string): Promise<void>;
  /** Starts a stopped host, waits until it is ready, re-reads its port and rewrites known_hosts. */
  start(host: string): Promise<void>;
  pause(host: string): Promise<void>;
  unpause(host: string): Promise<void>;
  /** Cuts the host's network (host-to-host traffic and the published SSH port). */
  disconnect(host: string): Promise<void>;
  reconnect(host: string): Promise<void>;
  /** New host keys (for host key mismatch tests); does NOT update knownHostsPath. */
  regenerateHostKeys(host: string): Promise<void>;
  addHost(name: string): Promise<FleetHost>;
  removeHost(name: string): Promise<void>;
  /** Removes every container, network and temp file of this fleet. Idempotent. */
  destroy(): Promise<void>;
}

/** A host with a fixed address: the lab's inventory names its IP and its SSH port. */
export interface FleetHostSpec {
  name: string;
  /** Static IP on the fleet's network (needs `network.subnet`). */
  ip?: string;
  /** Fixed port for sshd on 127.0.0.1; default: one docker picks. */
  sshPort?: number;
  /**
   * `systemctl reboot` restarts the host: its systemd ends with exit code 129 on reboot, and docker's
   * on-failure restart policy starts the container again (a poweroff ends with 0: it stays down).
   * Its SSH port is fixed (a free one unless sshPort says), so the host comes back where it was.
   */
  restartOnReboot?: boolean;
}

export interface FleetOptions {
  /** A count (node1..nodeN), explicit names, or hosts with fixed addresses. */
  hosts: number | Array<string | FleetHostSpec>;
  /** A fixed fleet id, so a later process finds it (the lab); default: random. */
  id?: string;
  /** The fleet network's subnet, for static host IPs; default: docker picks one. */
  network?: { subnet: string };
  /** Prefix for container names, so the lab and tests are told apart at a glance. */
  prefix?: string;
  purpose?: 'test' | 'lab';
  /** Hosts that get a small tmpfs mounted at /mnt/small (8 MB) for disk-full tests. */
  smallDiskHost?: string[];
  /**
   * Where the private key and known_hosts go (the lab keeps them in a known place). Default: a
   * fresh temp dir, removed by destroy(); a given dir keeps everything but those two files.
   */
  workDir?: string;
  /**
   * Start the stand-ins too (packages/fleet/src/stand-ins): one more container on every network of
   * the fleet serving the seeds' downloads over HTTPS, and the lab CA trusted by every host.
   */
  standIns?: boolean;
  /** Progress lines (image build, host readiness). */
  onLog?: (line: string) => void;
}
