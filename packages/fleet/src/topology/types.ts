/**
 * A lab's network shape, as its inventory describes it: Docker networks standing in for the
 * seed's networks, hosts attached to some of them at fixed addresses, sshd published on
 * 127.0.0.1 only for the hosts the controller reaches directly (the others are reached through a
 * bastion, as in production), and the routes a host needs beyond its own networks.
 */
export interface LabNetwork {
  /** The inventory's name for it (e.g. public, cluster_kzh); part of the Docker network's name. */
  name: string;
  subnet: string;
}

export interface LabHostAddress {
  network: string;
  ip: string;
}

export interface LabRoute {
  /** A network (CIDR) this host does not sit on. */
  to: string;
  /** A host on one of this host's networks that does sit on it. */
  via: string;
}

export interface LabTopologyHost {
  name: string;
  /** First one is the container's primary network. */
  addresses: LabHostAddress[];
  /** sshd published on 127.0.0.1:sshPort; null: reached only through a bastion. */
  sshPort: number | null;
  routes: LabRoute[];
  /** Forwards between its networks (the lab's router); other hosts keep the kernel's setting. */
  forwards?: boolean;
}

export interface LabTopology {
  networks: LabNetwork[];
  hosts: LabTopologyHost[];
}
