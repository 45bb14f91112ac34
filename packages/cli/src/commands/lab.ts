import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { MeshbookError } from '@meshbook/engine';
import { loadInventory } from '@meshbook/engine';
import type { CliIo } from '../io.js';
import type { RegisterCommand } from './context.js';
import { importModule } from '../startup/import-module.js';

export interface LabCommandOptions {
  inventory: string;
}

const ACTIONS = ['up', 'down', 'status'] as const;
type LabAction = (typeof ACTIONS)[number];

export const registerLabCommand: RegisterCommand = (program, context) => {
  program
    .command('lab')
    .description('start, stop or show the local lab: the inventory\'s hosts as systemd-in-Docker hosts on this machine')
    .argument('<action>', 'up | down | status')
    .option('-i, --inventory <path>', 'lab inventory directory', 'inventories/lab')
    .action(async (action: string, options: LabCommandOptions) => {
      context.setExitCode(await labCommand(action, options, context.io));
    });
};

export async function labCommand(action: string, options: LabCommandOptions, io: CliIo): Promise<ExitCode> {
  if (!ACTIONS.includes(action as LabAction)) {
    throw new MeshbookError('BAD_INPUT', `unknown lab action "${action}"`, { hint: 'use meshbook lab up | down | status' });
  }
  const inventory = await loadInventory(resolve(io.cwd, options.inventory));
  // Loaded only here: the Docker client is for the lab, not for every run.
  const fleet = await importModule<typeof import('@meshbook/fleet')>('@meshbook/fleet').catch((error: unknown) => {
    throw new MeshbookError('BAD_INPUT', `meshbook lab needs the package @meshbook/fleet, which could not be loaded: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'install it next to @meshbook/cli: npm install @meshbook/fleet',
      cause: error,
    });
  });
  const plan = fleet.labPlanFrom(inventory);
  const log = (line: string) => io.stderr.write(`${line}\n`);
  switch (action as LabAction) {
    case 'up': {
      await fleet.assertDockerAvailable();
      await mkdir(plan.workDir, { recursive: true, mode: 0o700 });
      const how = await fleet.labUp({ id: plan.id, topology: plan.topology, workDir: plan.workDir }, log).catch((error: unknown) => {
        // Docker or host trouble, not a bug: say what failed and how to start over.
        throw new MeshbookError('COMMAND_FAILED', `lab up failed: ${error instanceof Error ? error.message : String(error)}`, {
          hint: `check \`docker ps -a\` (a busy machine slows the hosts' boot), then \`meshbook lab down -i ${options.inventory}\` and \`meshbook lab up\` again`,
          cause: error,
        });
      });
      const { hosts, networks } = plan.topology;
      const reach = (h: (typeof hosts)[number]) =>
        h.name === fleet.LAB_ROUTER ? `routes ${h.addresses.map((a) => a.network).join(' <-> ')}` : h.sshPort === null ? `${h.addresses[0]?.ip} via bastion` : `127.0.0.1:${h.sshPort}`;
      io.stdout.write(`lab ${plan.id} ${how}: ${hosts.length} hosts on ${networks.length} networks (${hosts.map((h) => `${h.name} ${reach(h)}`).join(', ')})\n`);
      io.stdout.write(`stand-ins: https://${fleet.STAND_INS_HOSTNAME}/ on every lab network (apt repositories, releases, charts; the hosts trust the lab CA)\n`);
      // An inventory whose nodes name an OpenStack network gets the lab's OpenStack (a double).
      const openstackHosts = fleet.openstackSeedHosts(inventory);
      if (openstackHosts.length > 0) {
        const openstack = await fleet.startLabOpenStack(plan.workDir, openstackHosts, log);
        io.stdout.write(`openstack: ${openstack.authUrl} (a double: Keystone, Nova, Neutron ports; clouds.yaml ${openstack.cloudsFile}, cloud ${openstack.cloud})\n`);
      }
      const playbook = inventory.groups.has('wireguard_server') ? 'playbooks/clustermesh.ts' : "the seed's playbook";
      io.stdout.write(`next: npx meshbook run ${playbook} -i ${options.inventory}\n`);
      return EXIT.OK;
    }
    case 'down':
      await fleet.labDown(plan.id, plan.workDir);
      await fleet.stopLabOpenStack(plan.workDir);
      io.stdout.write(`lab down: ${plan.id} removed\n`);
      return EXIT.OK;
    case 'status': {
      const hosts = await fleet.labStatus(plan.id);
      if (hosts.length === 0) io.stdout.write(`lab ${plan.id}: not running (meshbook lab up -i ${options.inventory})\n`);
      const reach = (h: (typeof hosts)[number]) =>
        h.role === 'stand-ins' ? `https://${fleet.STAND_INS_HOSTNAME}/` : h.name === fleet.LAB_ROUTER ? 'router' : h.sshPort === null ? 'via bastion' : `127.0.0.1:${h.sshPort}`;
      for (const h of hosts) io.stdout.write(`${h.name}\t${h.state}\t${reach(h)}\t${h.ips.join(',') || '-'}\n`);
      const openstack = fleet.labOpenStackStatus(plan.workDir);
      if (openstack) io.stdout.write(`openstack\t${openstack.state}\t${openstack.authUrl}\t127.0.0.1\n`);
      return EXIT.OK;
    }
  }
}
