import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change, ModuleContext } from '@meshbook/engine';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, runAptGet } from './lib/apt-get.js';

/** One package as dpkg knows it; `want` and `status` are the first and third words of `${Status}`. */
export interface DpkgPackage {
  want: string;
  status: string;
  version: string;
  /**
   * Held: dpkg's selection is `hold` for the name in some architecture (a multi-arch package has
   * one selection per architecture): what `apt-mark showhold` lists, by name without `:arch`.
   */
  held: boolean;
  /**
   * The entries whose selection is hold, as dpkg names them (`${binary:Package}`): `name` for a
   * package of one architecture, `name:arch` for each held architecture of a multi-arch one. What
   * an unhold must name: `apt-mark unhold name` unholds the native architecture only.
   */
  heldEntries: string[];
  /** Every entry of the name as dpkg names it, with the third word of its `${Status}` (installed, config-files, ...). */
  entries: DpkgEntry[];
}

export interface DpkgEntry {
  /** `${binary:Package}`: `name`, or `name:arch` for each architecture of a multi-arch package. */
  name: string;
  status: string;
}

/** After a successful `apt-get update` apply touches this (Debian's update-notifier hook does too). */
export const UPDATE_STAMP = '/var/lib/apt/periodic/update-success-stamp';

/**
 * Where dpkg and apt keep what these facts report (FactDefinition.reads): their configuration, the
 * status database and holds, the package lists and the binary cache built from them. Only a write
 * there (or a change of unknown reach: a package installed, a command run) changes an answer; a
 * config file written elsewhere leaves the checks fetched with the play's batch good.
 */
const APT_STATE = ['/etc/apt', '/etc/dpkg', '/var/lib/dpkg', '/var/lib/apt', '/var/cache/apt'];

const dpkgPackages = defineFact<string[], Record<string, DpkgPackage>>({
  name: 'apt.packages',
  reads: () => APT_STATE,
  command: (names) => sh`dpkg-query -W -f=${'${Package} ${binary:Package} ${Status} ${Version}\n'} -- ${names}`,
  parse: (result) => {
    // Exit 1 only means some names are unknown to dpkg ("no packages found matching"): not installed.
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      throw new MeshbookError('COMMAND_FAILED', 'dpkg-query failed', { exitCode: result.exitCode, stderr: result.stderr });
    }
    return parseDpkgQuery(result.stdout);
  },
});

export function parseDpkgQuery(stdout: string): Record<string, DpkgPackage> {
  const packages: Record<string, DpkgPackage> = {};
  for (const line of stdout.split('\n')) {
    const [name, entry, want, , status, version = ''] = line.trim().split(/\s+/);
    if (!name || !entry || !want || !status) continue;
    const seen = packages[name];
    const heldEntries = [...(seen?.heldEntries ?? []), ...(want === 'hold' ? [entry] : [])];
    const held = heldEntries.length > 0;
    const entries = [...(seen?.entries ?? []), { name: entry, status }];
    // A multi-arch name can print once per architecture: an installed line wins.
    if (seen?.status === 'installed') Object.assign(seen, { held, heldEntries, entries });
    else packages[name] = { want, status, version, held, heldEntries, entries };
  }
  return packages;
}

const candidates = defineFact<string[], Record<string, string | null>>({
  name: 'apt.candidates',
  reads: () => APT_STATE,
  command: (names) => sh`apt-cache policy -- ${names}`,
  parse: (result) => parseAptCachePolicy(result.stdout),
});

/** `apt-cache policy` blocks: `NAME:` then `  Candidate: VERSION` ("(none)" when nothing installable). */
export function parseAptCachePolicy(stdout: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  let current: string | null = null;
  for (const line of stdout.split('\n')) {
    const header = line.match(/^(\S+):$/);
    if (header) current = header[1]!.replace(/:[a-z0-9]+$/, '');
    const candidate = line.match(/^\s+Candidate:\s*(\S+)/);
    if (candidate && current) out[current] = candidate[1] === '(none)' ? null : candidate[1]!;
  }
  return out;
}

/** Seconds since the last successful `apt-get update`; null when the host has no record of one. */
const cacheAge = defineFact<null, number | null>({
  name: 'apt.cache_age',
  command: () => sh`echo "$(date +%s) $(stat -c %Y -- ${UPDATE_STAMP} 2>/dev/null || echo none)"`,
  parse: (result) => {
    const [now, stamp] = result.stdout.trim().split(' ');
    return stamp === undefined || stamp === 'none' ? null : Math.max(0, Number(now) - Number(stamp));
  },
});

/** Packages a (dist-)upgrade would change, from apt-get's simulation (no lock, no root needed). */
const pendingUpgrades = defineFact<'safe' | 'full', string[]>({
  name: 'apt.upgrades',
  reads: () => APT_STATE,
  command: (kind) => sh`apt-get -s -q -o Debug::NoLocking=1 ${kind === 'full' ? 'dist-upgrade' : 'upgrade'}`,
  parse: (result) => {
    if (result.exitCode !== 0) throw new MeshbookError('COMMAND_FAILED', 'simulating the upgrade failed', { exitCode: result.exitCode, stderr: result.stderr });
    return parseSimulatedUpgrade(result.stdout);
  },
});

export function parseSimulatedUpgrade(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.match(/^Inst (\S+)/)?.[1])
    .filter((n): n is string => Boolean(n));
}

/** `name`, `name:arch`, optionally `=version` (Debian policy names; versions as dpkg allows). */
const packageSpec = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?$/, "a package name, optionally pinned: 'jq' or 'kubelet=1.30.2-1.1'");

export interface PackageSpec {
  /** As apt-get takes it: with the architecture, without the version. */
  name: string;
  /** As dpkg-query prints ${Package}: without the architecture. */
  base: string;
  version: string | null;
}

export function parsePackageSpec(spec: string): PackageSpec {
  const [name = '', version] = spec.split('=', 2);
  return { name, base: name.replace(/:.*$/, ''), version: version ?? null };
}

/** The apt task's params as written (an interface, so editors show each field's documentation). */
export interface AptInput {
  /** Packages: 'jq', 'jq:amd64', or pinned 'kubelet=1.30.2-1.1' (state present only); one or a list. */
  name?: string | string[] | undefined;
  /** present (default): installed (at the pinned version when `pkg=version`); latest: at the candidate version; absent: removed. */
  state?: 'present' | 'absent' | 'latest' | undefined;
  /** With state absent: remove configuration files too. Default false. */
  purge?: boolean | undefined;
  /** Refresh the package lists first, when the last refresh is older than cacheValidTime. Default false. Ansible: update_cache. */
  updateCache?: boolean | undefined;
  /** Seconds a refresh stays valid; 0 refreshes on every run (and so always reports a change). Default 3600. Ansible: cache_valid_time. */
  cacheValidTime?: number | undefined;
  /** safe: apt-get upgrade; full: apt-get dist-upgrade; none (default): no system upgrade. */
  upgrade?: 'none' | 'safe' | 'full' | undefined;
  /**
   * true: the named packages are held (apt-mark hold; a name without `:arch`, its native
   * architecture; with state absent, a removed package keeps its hold by its dpkg entry); false:
   * held in no architecture (a removed package back to deinstall); absent: left as they are.
   */
  hold?: boolean | undefined;
  /** Install recommended packages too. Default false. Ansible: install_recommends. */
  installRecommends?: boolean | undefined;
  /** Allow installing an older version than the one installed (a pin). Default false. Ansible: allow_downgrade. */
  allowDowngrades?: boolean | undefined;
  /** Seconds to wait for another apt/dpkg to release its lock before failing. Default 300. Ansible: lock_timeout. */
  lockTimeoutSeconds?: number | undefined;
}

const paramsSchema = z
  .object({
    name: z
      .union([packageSpec, z.array(packageSpec)])
      .transform((n) => (Array.isArray(n) ? n : [n]).map(parsePackageSpec))
      .default([]),
    state: z.enum(['present', 'absent', 'latest']).default('present'),
    purge: z.boolean().default(false),
    updateCache: z.boolean().default(false),
    cacheValidTime: z.number().int().min(0).default(3600),
    upgrade: z.enum(['none', 'safe', 'full']).default('none'),
    hold: z.boolean().optional(),
    installRecommends: z.boolean().default(false),
    allowDowngrades: z.boolean().default(false),
    lockTimeoutSeconds: z.number().int().min(0).default(DEFAULT_LOCK_TIMEOUT_SECONDS),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.state !== 'present' && p.name.some((s) => s.version !== null)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `a pinned version (pkg=version) only goes with state present, not ${p.state}` });
    }
    if (p.hold !== undefined && p.name.length === 0) ctx.addIssue({ code: 'custom', path: ['hold'], message: 'needs package names' });
    if (p.hold === true && p.state === 'absent' && p.purge) {
      ctx.addIssue({ code: 'custom', path: ['hold'], message: "a purged package leaves dpkg's database, so nothing is left to hold: drop purge (a removed package keeps its conffiles and can be held) or drop hold" });
    }
    if (p.name.length === 0 && !p.updateCache && p.upgrade === 'none') {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'give package names, updateCache or upgrade' });
    }
  });
const params: DocumentedParams<typeof paramsSchema, AptInput> = paramsSchema;

type AptParams = z.output<typeof params>;

/** What apt's plan reads; null where these params need no answer (no names, no updateCache...). */
export interface AptFacts {
  /** The named packages dpkg knows (holds included: `held`, read from the same query as apt-mark reads them). */
  packages: Record<string, DpkgPackage> | null;
  candidates: Record<string, string | null> | null;
  /** Seconds since the last refresh; null when unknown (never refreshed) or not asked (no updateCache). */
  cacheAge: number | null;
  /** Packages an upgrade would change; null without upgrade. */
  upgrades: string[] | null;
}

export type AptChange =
  | Change<'apt.update', null>
  /** `word` is what apt-get install takes (`pkg` or `pkg=version`); `held`: apt must be allowed to change it. */
  | Change<'apt.install', { word: string; held: boolean }>
  | Change<'apt.remove', { name: string; purge: boolean }>
  | Change<'apt.upgrade', { kind: 'safe' | 'full' }>
  /**
   * A package installed (or installed by this task): `name` as given (with its architecture, if
   * named), apt-mark holds the native one otherwise; `entries` null. A package that stays not
   * installed (only its conffiles left), which apt-mark cannot hold: its dpkg entries, held with
   * dpkg --set-selections.
   */
  | Change<'apt.hold', { name: string; entries: string[] | null }>
  /** Every held entry of the name (DpkgPackage.heldEntries), each architecture's own, with the selection it goes back to. */
  | Change<'apt.unhold', { entries: Selection[] }>;

/**
 * A dpkg selection line. Unheld, an installed entry is selected for install (what apt-mark unhold
 * sets); one that is not installed (removed, its conffiles left) goes back to deinstall, what
 * dpkg -r leaves: install would ask the next dselect-upgrade to install it again.
 */
export interface Selection {
  entry: string;
  selection: 'install' | 'deinstall' | 'hold';
}

/**
 * Debian packages: installed (optionally pinned, or the newest candidate), removed or purged,
 * held or unheld, plus a package-list refresh and a system upgrade. All missing packages go in one
 * apt-get install; a held package counts as installed.
 */
export const apt = defineModule({
  name: 'apt',
  params,
  facts: (p) => {
    const names = p.name.map((s) => s.name);
    return {
      packages: names.length > 0 ? dpkgPackages(names) : null,
      candidates: p.state === 'latest' && names.length > 0 ? candidates(names) : null,
      cacheAge: p.updateCache ? cacheAge(null) : null,
      upgrades: p.upgrade !== 'none' ? pendingUpgrades(p.upgrade) : null,
    };
  },
  plan(facts: AptFacts, p): AptChange[] {
    const changes: AptChange[] = [];
    const refresh = p.updateCache && (facts.cacheAge === null || facts.cacheAge >= p.cacheValidTime);
    if (refresh) {
      const age = facts.cacheAge === null ? 'never refreshed' : `refreshed ${facts.cacheAge} s ago`;
      changes.push({ kind: 'apt.update', target: 'apt cache', summary: `apt-get update (${age}; valid for ${p.cacheValidTime} s)`, payload: null });
    }
    for (const spec of p.name) {
      const change = planPackage(spec, facts, p, refresh);
      if (change) changes.push(change);
    }
    if (p.upgrade !== 'none') {
      const pending = facts.upgrades ?? [];
      const payload = { kind: p.upgrade };
      // After a refresh the pending set can only be known then; the upgrade runs and apt decides.
      if (refresh) {
        changes.push({ kind: 'apt.upgrade', target: 'packages', summary: `${p.upgrade} upgrade after the cache refresh (${pending.length} pending before it)`, payload });
      } else if (pending.length > 0) {
        const list = pending.join(', ');
        changes.push({ kind: 'apt.upgrade', target: 'packages', summary: `${p.upgrade} upgrade of ${pending.length} package(s): ${truncate(list)}`, after: list, payload });
      }
    }
    if (p.hold !== undefined) {
      for (const spec of p.name) {
        const known = facts.packages?.[spec.base];
        const held = known?.heldEntries ?? [];
        if (p.hold && held.length === 0) changes.push(planHold(spec, known, p));
        if (!p.hold && held.length > 0) {
          const entries = held.map((entry): Selection => ({ entry, selection: isInstalled(known?.entries.find((e) => e.name === entry)?.status) ? 'install' : 'deinstall' }));
          changes.push({ kind: 'apt.unhold', target: spec.name, summary: `unhold ${held.join(', ')}`, before: 'held', after: 'not held', payload: { entries } });
        }
      }
    }
    return changes;
  },
  /** Params give only how (lock timeout, recommends, downgrades); what to do is in the payloads. */
  async apply(ctx, changes, p) {
    const options = { lockTimeoutSeconds: p.lockTimeoutSeconds };
    const dpkgOptions = ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
    const update = changes.some((c) => c.kind === 'apt.update');
    const unhold: Selection[] = [];
    const hold: string[] = [];
    const holdRemoved: Selection[] = [];
    const remove = { names: [] as string[], purge: false };
    const install = { words: [] as string[], held: false };
    let upgrade: 'safe' | 'full' | undefined;
    for (const change of changes) {
      switch (change.kind) {
        case 'apt.unhold':
          unhold.push(...change.payload.entries);
          break;
        case 'apt.hold':
          if (change.payload.entries) holdRemoved.push(...change.payload.entries.map((entry): Selection => ({ entry, selection: 'hold' })));
          else hold.push(change.payload.name);
          break;
        case 'apt.remove':
          remove.names.push(change.payload.name);
          remove.purge ||= change.payload.purge;
          break;
        case 'apt.install':
          install.words.push(change.payload.word);
          install.held ||= change.payload.held;
          break;
        case 'apt.upgrade':
          upgrade = change.payload.kind;
          break;
      }
    }
    if (update) {
      await runAptGet(ctx, ['update'], options);
      await ctx.exec(sh`mkdir -p -- /var/lib/apt/periodic && touch -- ${UPDATE_STAMP}`);
    }
    // dpkg's own entry names: apt-mark unhold cannot select a package that is not installed (exit 100).
    if (unhold.length > 0) await setSelections(ctx, unhold);
    if (remove.names.length > 0) await runAptGet(ctx, ['-y', ...dpkgOptions, remove.purge ? 'purge' : 'remove', '--', ...remove.names], options);
    if (install.words.length > 0) {
      await runAptGet(
        ctx,
        [
          '-y',
          ...dpkgOptions,
          '-o',
          `APT::Install-Recommends=${p.installRecommends}`,
          ...(p.allowDowngrades ? ['--allow-downgrades'] : []),
          // The user named these packages, so changing a held one is intended.
          ...(install.held ? ['--allow-change-held-packages'] : []),
          'install',
          '--',
          ...install.words,
        ],
        options,
      );
    }
    if (upgrade) await runAptGet(ctx, ['-y', ...dpkgOptions, upgrade === 'full' ? 'dist-upgrade' : 'upgrade'], options);
    if (hold.length > 0) await ctx.exec(sh`apt-mark hold -- ${hold}`);
    if (holdRemoved.length > 0) await setSelections(ctx, holdRemoved);
  },
});

/** Not-installed and config-files are the states where dpkg has no files of the package but its conffiles. */
function isInstalled(status: string | undefined): boolean {
  return status !== undefined && status !== 'not-installed' && status !== 'config-files';
}

/**
 * hold: true for a package not held yet. apt-mark holds what is installed, or installed by this
 * task; a package that stays removed (only its conffiles left) is held by its dpkg entry, as
 * Ansible's dpkg_selections does. Nothing can hold what dpkg does not know (nor what a purge takes
 * out of its database: the params refuse that): it fails here, naming the fix, before anything changes.
 */
function planHold(spec: PackageSpec, known: DpkgPackage | undefined, p: AptParams): AptChange {
  const change = (entries: string[] | null): AptChange => ({ kind: 'apt.hold', target: spec.name, summary: `hold ${entries?.join(', ') ?? spec.name}`, before: 'not held', after: 'held', payload: { name: spec.name, entries } });
  if (p.state !== 'absent') return change(null);
  if (!known || known.entries.every((e) => e.status === 'not-installed')) {
    throw new MeshbookError('MODULE_FAILED', `apt: ${spec.name}: hold: true with state: absent, but dpkg does not know ${spec.base} (never installed here): there is nothing to hold`, {
      hint: `install it and hold it (state: present, hold: true), or drop hold for ${spec.base}`,
    });
  }
  if (spec.name !== spec.base) return change([spec.name]);
  const entries = known.entries.filter((e) => e.status !== 'not-installed').map((e) => e.name);
  if (entries.length > 1) {
    throw new MeshbookError('MODULE_FAILED', `apt: ${spec.name}: hold: true with state: absent: dpkg knows ${spec.base} in several architectures (${entries.join(', ')})`, {
      hint: `name the one to hold, e.g. ${entries[0]}`,
    });
  }
  return change(entries);
}

/** One dpkg --set-selections for every line; dpkg only warns (exit 0) on a name it does not know, so that fails here. */
async function setSelections(ctx: Pick<ModuleContext, 'exec'>, lines: Selection[]): Promise<void> {
  const result = await ctx.exec(sh`dpkg --set-selections`, { stdin: lines.map((l) => `${l.entry} ${l.selection}\n`).join('') });
  if (/package not in (status nor available )?database/.test(result.stderr)) {
    throw new MeshbookError('COMMAND_FAILED', `dpkg --set-selections did not know every package: ${result.stderr.trim()}`, { hint: 'the package left dpkg\'s database between the check and the change; run the task again' });
  }
}

/** One package's change; `after` of an install is the word apt-get install takes (`pkg` or `pkg=version`). */
function planPackage(spec: PackageSpec, facts: AptFacts, p: AptParams, refresh: boolean): AptChange | null {
  const current = facts.packages?.[spec.base];
  const installed = current?.status === 'installed';
  const held = current?.held === true;
  const candidate = facts.candidates?.[spec.base];
  if (p.state === 'absent') {
    // Anything dpkg still has files for is removed; a purge also clears leftover configuration.
    const present = current !== undefined && current.status !== 'not-installed' && (p.purge || current.status !== 'config-files');
    if (!present) return null;
    const verb = p.purge ? 'purge' : 'remove';
    return { kind: 'apt.remove', target: spec.name, summary: `${verb} ${spec.name} ${current.version}`.trim(), before: current.version || current.status, after: null, payload: { name: spec.name, purge: p.purge } };
  }
  if (!installed) {
    const word = spec.version ? `${spec.name}=${spec.version}` : spec.name;
    const what = spec.version ? `${spec.name} ${spec.version}` : p.state === 'latest' && candidate ? `${spec.name} ${candidate}` : spec.name;
    return { kind: 'apt.install', target: spec.name, summary: `install ${what}`, before: null, after: word, payload: { word, held } };
  }
  if (spec.version && current.version !== spec.version) {
    const word = `${spec.name}=${spec.version}`;
    return { kind: 'apt.install', target: spec.name, summary: `${spec.name}: ${current.version} → ${spec.version}`, before: current.version, after: word, payload: { word, held } };
  }
  if (p.state === 'latest') {
    const payload = { word: spec.name, held };
    if (refresh) {
      return { kind: 'apt.install', target: spec.name, summary: `${spec.name}: ${current.version} → newest candidate after the cache refresh`, before: current.version, after: spec.name, payload };
    }
    if (candidate && candidate !== current.version) {
      return { kind: 'apt.install', target: spec.name, summary: `${spec.name}: ${current.version} → ${candidate}`, before: current.version, after: spec.name, payload };
    }
  }
  return null;
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
