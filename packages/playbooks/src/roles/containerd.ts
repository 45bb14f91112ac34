import { handler, task, type HostContext } from '@meshbook/engine';
import { apt, aptKey, aptRepository, systemd, tomlFile } from '@meshbook/modules';
import { z } from 'zod';
import type { Role } from './role.js';

export const containerdVars = z.object({
  containerd_source: z.enum(['debian', 'docker']).default('docker'),
  /** Docker's repository for the host's distribution (the seed's hosts run Ubuntu). */
  docker_repo_url: z.url().default('https://download.docker.com/linux/ubuntu'),
  /** The seed runs `apt upgrade -y` before installing containerd.io. */
  apt_upgrade: z.boolean().default(true),
});

type Host = HostContext<z.output<typeof containerdVars>>;
const fromDocker = (host: Host) => host.vars.containerd_source === 'docker';
const RESTART = 'restart containerd';

/**
 * Seed 000 steps 000-05 and 000-06: containerd from Docker's apt repository (or Debian's package,
 * by the `containerd_source` variable), its default config with SystemdCgroup = true set through a
 * TOML parser, and a restart only when the config changed.
 */
export function containerdRole(): Role {
  return {
    name: 'containerd',
    vars: containerdVars,
    tasks: [
      task(aptKey, (host: Host) => ({ name: 'docker', url: `${host.vars.docker_repo_url}/gpg` }), {
        name: "Docker's apt key, dearmored into /etc/apt/keyrings",
        when: fromDocker,
      }),
      task(
        aptRepository,
        (host: Host) => ({
          name: 'containerd',
          uri: host.vars.docker_repo_url,
          suite: host.facts.os.codename,
          components: ['stable'],
          signedBy: '/etc/apt/keyrings/docker.gpg',
        }),
        { name: "Docker's apt repository", when: fromDocker },
      ),
      task(apt, { updateCache: true, upgrade: 'safe' }, {
        name: 'packages up to date',
        when: (host: Host) => host.vars.apt_upgrade,
      }),
      task(apt, (host: Host) => ({ name: [fromDocker(host) ? 'containerd.io' : 'containerd'], state: 'present' as const, updateCache: true }), {
        name: 'containerd installed',
      }),
      task(
        tomlFile,
        {
          path: '/etc/containerd/config.toml',
          baseCommand: ['containerd', 'config', 'default'],
          settings: [{ key: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'], value: true }],
        },
        { name: 'containerd default config with SystemdCgroup = true', notify: [RESTART] },
      ),
      task(systemd, { name: 'containerd', state: 'started', enabled: true }, { name: 'containerd running and enabled' }),
    ],
    handlers: [handler(RESTART, systemd, { name: 'containerd', state: 'restarted', daemonReload: true })],
  };
}
