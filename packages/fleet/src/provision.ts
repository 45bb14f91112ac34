import { execOrThrow } from './exec.js';

/**
 * Authorises the fleet's key for root and the sudo user and sets the sudo user's password.
 * Both values go in on stdin, never on a command line (visible in `ps` and docker's exec log).
 */
const PROVISION_SCRIPT = `set -eu
IFS= read -r password
IFS= read -r public_key
for home in /root "/home/$1"; do
  install -d -m 700 "$home/.ssh"
  printf '%s\\n' "$public_key" > "$home/.ssh/authorized_keys"
  chmod 600 "$home/.ssh/authorized_keys"
done
chown -R "$1:$1" "/home/$1/.ssh"
printf '%s:%s\\n' "$1" "$password" | chpasswd
`;

export async function provisionAccess(containerId: string, sudoUser: string, password: string, publicKey: string): Promise<void> {
  await execOrThrow(containerId, ['sh', '-c', PROVISION_SCRIPT, 'provision', sudoUser], {
    stdin: `${password}\n${publicKey}\n`,
  });
}

/** "TYPE BASE64" for each of the host's SSH host keys (comments dropped). */
export async function readHostKeys(containerId: string): Promise<string[]> {
  const output = await execOrThrow(containerId, ['sh', '-c', 'cat /etc/ssh/ssh_host_*_key.pub']);
  const keys = output
    .split('\n')
    .map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '))
    .filter((line) => line.includes(' '));
  if (keys.length === 0) throw new Error(`no SSH host keys in container ${containerId.slice(0, 12)}`);
  return keys;
}

export function knownHostsLines(port: number, hostKeys: string[]): string[] {
  return hostKeys.map((key) => `[127.0.0.1]:${port} ${key}`);
}

/** The boot-time key unit runs only when keys are missing: delete them and run it again. */
export const REGENERATE_HOST_KEYS = [
  'sh',
  '-c',
  'rm -f /etc/ssh/ssh_host_* && systemctl restart meshbook-host-keys.service && systemctl restart ssh.service',
];

/** The interface holding the fleet bridge IP ($1); other links (wg0 in a test) are left alone. */
const FIND_BRIDGE_LINK = `dev=$(ip -o -4 addr show | awk -v ip="$1" '{ split($4, a, "/"); if (a[1] == ip) print $2 }')
[ -n "$dev" ] || { echo "no interface has $1" >&2; exit 1; }`;

/** Cuts the host off (link down, so its routes go) without changing its IP or published port. */
export const LINK_DOWN_SCRIPT = `set -eu
${FIND_BRIDGE_LINK}
ip link set "$dev" down`;

/** $1 = bridge IP, $2 = gateway: the default route went away with the link. */
export const LINK_UP_SCRIPT = `set -eu
${FIND_BRIDGE_LINK}
ip link set "$dev" up
ip route replace default via "$2" dev "$dev"`;
