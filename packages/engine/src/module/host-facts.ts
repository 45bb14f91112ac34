import { sh } from '../command.js';
import { MeshbookError } from '../errors.js';
import { defineFact } from './facts.js';

/** What a playbook may know of a host without asking it itself: `host.facts.os.codename`. */
export interface HostFacts {
  os: {
    /** /etc/os-release ID: 'debian', 'ubuntu'. */
    id: string;
    /** VERSION_ID: '12', '24.04'; '' on a rolling release. */
    version: string;
    /** VERSION_CODENAME: 'bookworm', 'noble'; '' when the release has none. */
    codename: string;
    /** PRETTY_NAME, for messages. */
    name: string;
  };
  /** `uname -m`: 'x86_64', 'aarch64'. */
  machine: string;
  /** The same as Debian, Go and Kubernetes downloads name it: 'amd64', 'arm64' (else `machine`). */
  arch: string;
  hostname: string;
  /** PID 1's name: 'systemd' on a systemd host. */
  init: string;
  /** Addresses of the host's interfaces (loopback left out), in `ip -o addr` order. */
  addresses: Array<{ interface: string; family: 'inet' | 'inet6'; address: string; prefix: number }>;
}

// Trusted script text. os-release is sourced inside the batch's own subshell: nothing leaks.
const HOST_FACTS_SCRIPT = sh.raw(`. /etc/os-release 2>/dev/null
printf 'os %s|%s|%s|%s\\n' "$ID" "$VERSION_ID" "$VERSION_CODENAME" "$PRETTY_NAME"
printf 'machine %s\\n' "$(uname -m)"
printf 'hostname %s\\n' "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
printf 'init %s\\n' "$(cat /proc/1/comm 2>/dev/null)"
ip -o addr show 2>/dev/null | sed 's/^/addr /'
true`);

const ARCH: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm', i686: '386', ppc64le: 'ppc64le', s390x: 's390x' };

/**
 * The host facts: an ordinary, lasting fact. Params read it as `host.facts`; the engine fetches it
 * with the play's batch when a task's params need it (not on hosts whose params never do).
 */
export const hostFacts = defineFact<null, HostFacts>({
  name: 'host.facts',
  command: () => sh`${HOST_FACTS_SCRIPT}`,
  parse: (result) => {
    if (result.exitCode !== 0) throw new MeshbookError('COMMAND_FAILED', 'reading the host facts failed', { exitCode: result.exitCode, stderr: result.stderr });
    return parseHostFacts(result.stdout);
  },
});

export function parseHostFacts(stdout: string): HostFacts {
  const facts: HostFacts = { os: { id: '', version: '', codename: '', name: '' }, machine: '', arch: '', hostname: '', init: '', addresses: [] };
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'os') {
      const [id = '', version = '', codename = '', name = ''] = value.split('|');
      facts.os = { id, version, codename, name };
    } else if (key === 'machine') facts.machine = value.trim();
    else if (key === 'hostname') facts.hostname = value.trim();
    else if (key === 'init') facts.init = value.trim();
    else if (key === 'addr') {
      // `2: eth0    inet 172.17.0.2/16 brd ... scope global eth0\       valid_lft ...`
      const [, iface, family, cidr] = value.trim().split(/\s+/);
      const [address, prefix] = (cidr ?? '').split('/');
      if (!iface || iface === 'lo' || (family !== 'inet' && family !== 'inet6') || !address) continue;
      facts.addresses.push({ interface: iface.replace(/@.*$/, ''), family, address, prefix: Number(prefix) });
    }
  }
  facts.arch = ARCH[facts.machine] ?? facts.machine;
  return facts;
}
