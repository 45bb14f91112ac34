import { createHash } from 'node:crypto';

/**
 * Everything that decides the image's content, in two layers: a base image (debootstrap of the
 * package list) and the host image (the setup script run on the base). Each tag is a hash of what
 * made it, so changing a package rebuilds both, changing the setup script only reruns the setup
 * (seconds), and nothing else rebuilds anything.
 */
export const DEBIAN_SUITE = 'bookworm';

export const PACKAGES = [
  // the host itself
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'iproute2', 'procps', 'kmod', 'iputils-ping',
  'ca-certificates', 'gnupg', 'python3', 'less', 'lsb-release', 'curl', 'xz-utils', 'tar',
  // baked in so module tests do not wait for apt at test time
  'wireguard-tools', 'wireguard-go', 'containerd', 'git', 'opendoas',
] as const;

/** Units that fail or make noise in a container, or that would take the dpkg lock mid-test. */
const MASKED_UNITS = [
  'getty@tty1.service', 'console-getty.service', 'systemd-remount-fs.service', 'systemd-firstboot.service',
  'dev-hugepages.mount', 'sys-kernel-debug.mount', 'sys-kernel-tracing.mount', 'sys-kernel-config.mount',
  'systemd-journald-audit.socket', 'e2scrub_reap.service', 'e2scrub_all.timer', 'fstrim.timer',
  'apt-daily.timer', 'apt-daily-upgrade.timer',
  // loads efi_pstore/drm/fuse/loop/dm_mod at boot: the kernel here has no loadable modules,
  // and the five units cost about half a second of every boot
  'modprobe@.service',
];

/** The non-root user that needs a password for sudo; the password is set per fleet at start. */
export const SUDO_USER = 'deploy';

/** Runs in a container of the base image; the result is committed as the host image. */
export const SETUP_SCRIPT = `set -eu
# sshd: root by key only, no passwords over SSH at all.
mkdir -p /etc/ssh/sshd_config.d
cat > /etc/ssh/sshd_config.d/10-meshbook.conf <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
# ed25519 and ECDSA only: an RSA key costs ~1.5 s of CPU per boot, and clients prefer these anyway
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
CONF

# Host keys baked into an image would be shared by every container: generate them on first boot.
rm -f /etc/ssh/ssh_host_*
cat > /etc/systemd/system/meshbook-host-keys.service <<'UNIT'
[Unit]
Description=Generate this host's own SSH host keys
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
Before=ssh.service
[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -N '' -t ed25519 -f /etc/ssh/ssh_host_ed25519_key
ExecStart=/usr/bin/ssh-keygen -q -N '' -t ecdsa -f /etc/ssh/ssh_host_ecdsa_key
UNIT
mkdir -p /etc/systemd/system/ssh.service.d
cat > /etc/systemd/system/ssh.service.d/10-meshbook-host-keys.conf <<'UNIT'
[Unit]
Wants=meshbook-host-keys.service
After=meshbook-host-keys.service
UNIT

# A sudoer whose sudo asks for the password (the default %sudo rule, no NOPASSWD).
useradd --create-home --shell /bin/bash --groups sudo ${SUDO_USER}
install -d -m 700 -o ${SUDO_USER} -g ${SUDO_USER} /home/${SUDO_USER}/.ssh
install -d -m 700 /root/.ssh

systemctl mask ${MASKED_UNITS.join(' ')}
# Installed for the containerd module's tests, but off by default: most tests do not need it running.
systemctl disable containerd.service

# Each container gets its own machine id at boot; docker provides hostname, hosts and resolv.conf.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
apt-get clean
rm -rf /var/lib/apt/lists/* /var/log/*.log
`;

/** Bump when the build procedure changes in a way the package list and script do not show. */
const BUILD_PROCEDURE_VERSION = 2;

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

/** Names the debootstrapped root file system (tarball and base image). */
export function baseRecipeHash(): string {
  return hash({ suite: DEBIAN_SUITE, packages: PACKAGES, v: BUILD_PROCEDURE_VERSION });
}

export function recipeHash(): string {
  return hash({ base: baseRecipeHash(), setup: SETUP_SCRIPT, v: BUILD_PROCEDURE_VERSION });
}

export const IMAGE_REPOSITORY = 'meshbook-host';
export const BASE_IMAGE_REPOSITORY = 'meshbook-host-base';

export function imageTag(): string {
  return `${IMAGE_REPOSITORY}:${recipeHash()}`;
}

export function baseImageTag(): string {
  return `${BASE_IMAGE_REPOSITORY}:${baseRecipeHash()}`;
}
