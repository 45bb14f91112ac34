import { z } from 'zod';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change, ModuleContext } from '@meshbook/engine';
import type { DocumentedParams } from '../lib/documented-params.js';

/** The installed cilium-cli's version (`cilium version --client`: `cilium-cli: v0.16.22 compiled with …`) and the machine. */
export const ciliumCliState = defineFact<string, { installed: string | null; machine: string }>({
  name: 'cilium.cli_version',
  command: (path) => sh`uname -m; ${path} version --client 2>/dev/null || true`,
  parse: (result) => {
    const [machine = '', ...rest] = result.stdout.split('\n');
    const m = /^cilium-cli:\s+(v\S+)/m.exec(rest.join('\n'));
    return { installed: m?.[1] ?? null, machine: machine.trim() };
  },
});

const version = z.string().regex(/^v\d+\.\d+\.\d+[0-9A-Za-z.+-]*$/, 'a cilium-cli release such as v0.16.22');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

/** The ciliumCli task's params as written (an interface, so editors show each field's documentation). */
export interface CiliumCliInput {
  /** The release to install ('v0.16.22'); absent: the one stableUrl names. Give this or stableUrl. */
  version?: string | undefined;
  /** A stable.txt naming the current release (https://raw.githubusercontent.com/cilium/cilium-cli/main/stable.txt), read on the host. */
  stableUrl?: string | undefined;
  /** Where releases are: `<downloadUrl>/<version>/cilium-linux-<arch>.tar.gz{,.sha256sum}`. Default cilium-cli's GitHub releases. */
  downloadUrl?: string | undefined;
  /** The directory the tarball's `cilium` is extracted into. Default /usr/local/bin. */
  binDir?: string | undefined;
  /** How long each download may take, in seconds. Default 300. */
  timeoutSeconds?: number | undefined;
}

const paramsSchema = z
  .object({
    version: version.optional(),
    stableUrl: httpUrl.optional(),
    downloadUrl: httpUrl.default('https://github.com/cilium/cilium-cli/releases/download'),
    binDir: z.string().regex(/^\/[^\0\n]*[^/]$/, 'an absolute directory such as /usr/local/bin').default('/usr/local/bin'),
    timeoutSeconds: z.number().int().min(1).default(300),
  })
  .strict()
  .refine((p) => p.version !== undefined || p.stableUrl !== undefined, { message: 'give version, or stableUrl to resolve it', path: ['version'] });
const params: DocumentedParams<typeof paramsSchema, CiliumCliInput> = paramsSchema;

type Params = z.output<typeof params>;

export interface CiliumCliFacts {
  installed: string | null;
  wanted: string;
  arch: 'amd64' | 'arm64';
}

export type CiliumCliChange = Change<'cilium_cli.install', { version: string; tarball: string; checksum: string; binDir: string; timeoutSeconds: number }>;

const ARCH: Record<string, 'amd64' | 'arm64'> = { x86_64: 'amd64', aarch64: 'arm64', arm64: 'arm64' };

// Downloaded into a temporary directory, checked by `sha256sum --check` against the release's
// .sha256sum (which names the tarball), and only then extracted: a bad download leaves the old binary.
const INSTALL_SCRIPT = `
set -e
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
cd "$tmp"
name=\${tarball##*/}
curl -fsSL --proto '=http,https' --max-time "$timeout" -o "$name" -- "$tarball"
curl -fsSL --proto '=http,https' --max-time "$timeout" -o "$name.sha256sum" -- "$checksum"
sha256sum --check --status "$name.sha256sum" || { echo "checksum mismatch: $(sha256sum "$name") against $(cat "$name.sha256sum")" >&2; exit 65; }
mkdir -p -- "$bindir"
tar xzf "$name" -C "$bindir" cilium`;

async function resolveVersion(ctx: ModuleContext, p: Params): Promise<string> {
  if (p.version) return p.version;
  const url = p.stableUrl!;
  const result = await ctx.run(sh`curl -fsSL --proto '=http,https' --max-time 60 -- ${url}`);
  const found = result.stdout.trim();
  if (result.exitCode !== 0 || !version.safeParse(found).success) {
    throw new MeshbookError('MODULE_FAILED', `ciliumCli: cannot read the stable version from ${url} on ${ctx.host}: ${result.exitCode !== 0 ? result.stderr.trim() || `curl exited with ${result.exitCode}` : `got "${found.slice(0, 40)}"`}`, {
      host: ctx.host,
      hint: 'check stableUrl (the host must reach it), or pin version',
    });
  }
  return found;
}

/**
 * cilium-cli from its release tarball, the seed's way (000-15): the version from stable.txt unless
 * pinned, tarball and .sha256sum from the release, checked before extraction into binDir.
 * Idempotent by `cilium version --client`: the wanted version installed is no change.
 */
export const ciliumCli = defineModule({
  name: 'ciliumCli',
  params,
  facts: (p) => ciliumCliState(`${p.binDir}/cilium`),
  async gather(ctx, p, state): Promise<CiliumCliFacts> {
    const arch = ARCH[state.machine];
    if (!arch) throw new MeshbookError('MODULE_FAILED', `ciliumCli: cilium-cli has no release for machine "${state.machine}" on ${ctx.host}`, { host: ctx.host });
    return { installed: state.installed, wanted: await resolveVersion(ctx, p), arch };
  },
  plan(facts, p): CiliumCliChange[] {
    if (facts.installed === facts.wanted) return [];
    const tarball = `${p.downloadUrl.replace(/\/$/, '')}/${facts.wanted}/cilium-linux-${facts.arch}.tar.gz`;
    return [
      {
        kind: 'cilium_cli.install',
        target: `${p.binDir}/cilium`,
        summary: facts.installed ? `cilium-cli ${facts.installed} → ${facts.wanted}` : `install cilium-cli ${facts.wanted} (${facts.arch}, sha256 checked)`,
        before: facts.installed,
        after: facts.wanted,
        payload: { version: facts.wanted, tarball, checksum: `${tarball}.sha256sum`, binDir: p.binDir, timeoutSeconds: p.timeoutSeconds },
      },
    ];
  },
  async apply(ctx, changes) {
    for (const { payload } of changes) {
      const command = sh`tarball=${payload.tarball} checksum=${payload.checksum} bindir=${payload.binDir} timeout=${String(payload.timeoutSeconds)} sh -c ${INSTALL_SCRIPT}`;
      const result = await ctx.run(command, { timeoutMs: (payload.timeoutSeconds * 2 + 30) * 1000 });
      if (result.exitCode !== 0) {
        const why = result.exitCode === 65 ? result.stderr.trim() : result.stderr.trim() || `exit ${result.exitCode}`;
        throw new MeshbookError('MODULE_FAILED', `ciliumCli: installing cilium-cli ${payload.version} from ${payload.tarball} failed: ${why}`, {
          host: ctx.host,
          command: command.display,
          exitCode: result.exitCode,
          hint: result.exitCode === 65 ? 'the tarball does not match its .sha256sum: a corrupt or tampered download; nothing was installed' : 'check that the host reaches downloadUrl',
        });
      }
    }
  },
  invalidates: [ciliumCliState],
});
