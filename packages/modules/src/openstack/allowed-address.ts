import { isIP } from 'node:net';
import { z } from 'zod';
import { MeshbookError, defineModule } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { authenticate, findNetwork, findServer, listPorts, setAllowedAddressPairs } from './api.js';
import type { AllowedAddressPair, NeutronPort, Session } from './api.js';
import { resolveCredentials } from './credentials.js';
import type { CloudCredentials } from './credentials.js';
import type { DocumentedParams } from '../lib/documented-params.js';

const addressSchema = z.string().refine((value) => {
  const [ip, prefix, ...rest] = value.split('/');
  const version = isIP(ip ?? '');
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}, 'an IP address (10.195.197.190) or a CIDR (10.195.197.192/28)');

const nameSchema = (what: string) => z.string().min(1).max(255).regex(/^[^\x00-\x1f\x7f]+$/, `${what} (one line, no control characters)`);

/** The openstackAllowedAddress task's params as written (an interface, so editors show each field's documentation). */
export interface OpenstackAllowedAddressInput {
  /** The Nova server (name or id) whose ports get the addresses: the node, as `{{ inventory_hostname }}` in the seed. Ansible (openstack.cloud.port): its device. */
  server: string;
  /**
   * IP addresses or CIDRs the ports must allow besides their own (the LoadBalancer addresses); added
   * to the ports' existing pairs, never replacing them. Ansible (openstack.cloud.port): allowed_address_pairs.
   */
  addresses: string[];
  /** Only the server's ports on this network (name or id), e.g. the inventory's openstack_network; default all its ports. */
  network?: string | undefined;
  /** The cloud in clouds.yaml; default OS_CLOUD; neither: the OS_* variables. Ansible (openstack.cloud): cloud. */
  cloud?: string | undefined;
  /** The clouds.yaml to read; default OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml. */
  cloudsFile?: string | undefined;
}

const paramsSchema = z
  .object({
    server: nameSchema('a server name or id'),
    addresses: z.array(addressSchema).min(1, 'at least one address'),
    network: nameSchema('a network name or id').optional(),
    cloud: nameSchema('a cloud name in clouds.yaml').optional(),
    cloudsFile: z.string().min(1).optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, OpenstackAllowedAddressInput> = paramsSchema;

export type OpenstackAllowedAddressParams = z.output<typeof params>;

/** What gather read from the cloud: the account, the server and its ports as Neutron has them. */
export interface OpenstackPortsState {
  credentials: CloudCredentials;
  server: { id: string; name: string };
  network?: { id: string; name: string };
  ports: NeutronPort[];
}

/** An address as Neutron compares it: a single-host prefix is the address itself. */
export function canonicalAddress(address: string): string {
  const [ip = '', prefix] = address.split('/');
  const version = isIP(ip);
  const host = version === 6 ? ip.toLowerCase() : ip;
  if (prefix === undefined || (version === 4 && prefix === '32') || (version === 6 && prefix === '128')) return host;
  return `${host}/${prefix}`;
}

export type OpenstackAllowedAddressChange = Change<
  'openstack.allowed-address-pairs',
  {
    credentials: CloudCredentials;
    portId: string;
    /** The port's revision when read: the write is refused if it moved. */
    revision: number | undefined;
    /** The whole new list: the pairs the port had, then the addresses it lacked. */
    pairs: AllowedAddressPair[];
  }
>;

/**
 * Allows addresses on a server's Neutron ports (`openstack port set --allowed-address
 * ip-address=A`, seed step 004-09) so that port security passes traffic for them: the MetalLB
 * LoadBalancer addresses the node answers for. Speaks the OpenStack API from the controller (it
 * never runs anything on the node); the account comes from clouds.yaml or the OS_* variables and
 * its password and token stay Secrets. An address a port already allows is not added again, the
 * port's other pairs are kept, and a port without port security (no anti-spoofing) is left alone.
 */
export const openstackAllowedAddress = defineModule({
  name: 'openstackAllowedAddress',
  params,
  async gather(ctx, p): Promise<OpenstackPortsState> {
    const credentials = resolveCredentials({ cloud: p.cloud, cloudsFile: p.cloudsFile });
    const session = await authenticate(credentials, ctx.signal);
    const server = await findServer(credentials, session, p.server, ctx.signal);
    const network = p.network ? await findNetwork(credentials, session, p.network, ctx.signal) : undefined;
    const ports = await listPorts(credentials, session, { deviceId: server.id, networkId: network?.id }, ctx.signal);
    if (ports.length === 0) {
      throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: server "${server.name}" has no port${network ? ` on network "${network.name}"` : ''}`, {
        host: ctx.host,
        hint: network ? 'check network (the inventory\'s openstack_network): the server is not attached to it' : 'attach the server to a network first',
      });
    }
    return { credentials, server, network, ports };
  },
  plan(state, p): OpenstackAllowedAddressChange[] {
    const wanted = [...new Set(p.addresses.map(canonicalAddress))];
    const changes: OpenstackAllowedAddressChange[] = [];
    for (const port of state.ports) {
      if (port.port_security_enabled === false) continue;
      const allowed = new Set(port.allowed_address_pairs.map((pair) => canonicalAddress(pair.ip_address)));
      const lacking = wanted.filter((address) => !allowed.has(address));
      if (lacking.length === 0) continue;
      const own = port.fixed_ips.map((ip) => ip.ip_address).join(', ');
      const pairs = [...port.allowed_address_pairs, ...lacking.map((ip_address) => ({ ip_address }))];
      changes.push({
        kind: 'openstack.allowed-address-pairs',
        target: `port ${port.id} (${state.server.name}${own ? ` ${own}` : ''})`,
        summary: `allow ${lacking.join(', ')} on port ${port.id} of ${state.server.name}`,
        before: port.allowed_address_pairs.map((pair) => pair.ip_address).join(', '),
        after: pairs.map((pair) => pair.ip_address).join(', '),
        payload: { credentials: state.credentials, portId: port.id, revision: port.revision_number, pairs },
      });
    }
    return changes;
  },
  async apply(ctx, changes) {
    const sessions = new Map<CloudCredentials, Session>();
    for (const change of changes) {
      const { credentials, portId, pairs, revision } = change.payload;
      let session = sessions.get(credentials);
      if (!session) sessions.set(credentials, (session = await authenticate(credentials, ctx.signal)));
      await setAllowedAddressPairs(credentials, session, portId, pairs, revision, ctx.signal);
    }
  },
});
