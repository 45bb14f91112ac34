// The OpenStack double's state: the one user and project Keystone knows, the servers, networks and
// ports, kept in one JSON file that is rewritten (atomically) after every change.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface AllowedAddressPair {
  ip_address: string;
  mac_address: string;
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  allowed_address_pairs: AllowedAddressPair[];
  port_security_enabled: boolean;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface Server {
  id: string;
  name: string;
  created: string;
}

export interface Network {
  id: string;
  name: string;
  subnet_id: string;
  cidr: string;
}

export interface Account {
  user: string;
  userDomain: string;
  project: string;
  projectDomain: string;
  /** Kept as the double's configuration; the double never prints it. */
  password: string;
}

export interface OpenStackState {
  account: Account;
  region: string;
  projectId: string;
  userId: string;
  servers: Server[];
  networks: Network[];
  ports: Port[];
}

/** A stable UUID-shaped id from a name, so a re-seeded double gives the same ids. */
export function stableId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Neutron's MAC prefix fa:16:3e, the rest from the port id. */
export function macFor(portId: string): string {
  const hex = createHash('sha256').update(portId).digest('hex');
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function randomToken(): string {
  return `gAAAAA${randomBytes(48).toString('base64url')}`;
}

export class StateFile {
  readonly path: string;
  state: OpenStackState;

  constructor(stateDir: string, initial: () => OpenStackState) {
    this.path = join(stateDir, 'openstack.json');
    if (existsSync(this.path)) {
      this.state = JSON.parse(readFileSync(this.path, 'utf8')) as OpenStackState;
    } else {
      this.state = initial();
      this.save();
    }
  }

  save(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
