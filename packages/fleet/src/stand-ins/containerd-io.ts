import { mkdir } from 'node:fs/promises';
import { docker } from '../docker.js';
import { LABEL_BUILD } from '../labels.js';

/**
 * Docker's `containerd.io`, made from the host image's own Debian packages (containerd and runc,
 * both baked into the image): their files, config and maintainer scripts under the real package
 * name, with containerd.io's relations (it replaces and provides both). Built in a throwaway
 * container of the host image, so the package is exactly what Debian 12 ships; written to `outDir`.
 */
const REPACKAGE_SCRIPT = `set -eu
root=$(mktemp -d)
for pkg in containerd runc; do
  dpkg-query -L "$pkg" | while read -r path; do
    # directories (and merged-/usr links such as /lib) are made by mkdir -p
    [ -d "$path" ] && continue
    if [ -L "$path" ] || [ -f "$path" ]; then
      mkdir -p "$root$(dirname "$path")"
      cp -a "$path" "$root$path"
    fi
  done
done
mkdir -p "$root/DEBIAN"
for script in postinst prerm postrm; do
  [ -f /var/lib/dpkg/info/containerd.$script ] && cp /var/lib/dpkg/info/containerd.$script "$root/DEBIAN/$script"
done
cp /var/lib/dpkg/info/containerd.conffiles "$root/DEBIAN/conffiles"
upstream=$(dpkg-query -W -f='\${Version}' containerd | sed 's/[~+-].*//')
runc=$(dpkg-query -W -f='\${Version}' runc)
debian=$(dpkg-query -W -f='\${Version}' containerd)
cat > "$root/DEBIAN/control" <<CONTROL
Package: containerd.io
Version: $upstream-1
Architecture: amd64
Maintainer: meshbook lab <lab@stand-ins.meshbook.test>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: libc6 (>= 2.34), libseccomp2 (>= 2.5.0)
Conflicts: containerd, runc
Replaces: containerd, runc
Provides: containerd, runc
Section: admin
Priority: optional
Homepage: https://containerd.io
Description: An open and reliable container runtime
 Debian 12's containerd $debian and runc $runc, repackaged by the meshbook lab
 under the name of Docker's package.
CONTROL
dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "/out/containerd.io_$upstream-1_amd64.deb" >/dev/null
`;

export async function buildContainerdIo(image: string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const container = await docker().createContainer({
    Image: image,
    Cmd: ['/bin/sh', '-c', REPACKAGE_SCRIPT],
    Labels: { [LABEL_BUILD]: 'stand-ins' },
    NetworkDisabled: true,
    HostConfig: { Binds: [`${outDir}:/out`] },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await container.logs({ stdout: true, stderr: true })).toString();
      throw new Error(`repackaging containerd.io in ${image} failed (exit ${StatusCode}):\n${logs}`);
    }
  } finally {
    await container.remove({ force: true });
  }
}
