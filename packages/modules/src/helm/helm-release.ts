import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, Secret, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change, ShellValue } from '@meshbook/engine';
import { fieldChanges } from '../kube/objects.js';
import type { FieldChange } from '../kube/objects.js';
import { helmFailure, runHelm, targetArgs } from './helm-cli.js';
import { helmProgressMask } from './helm-progress.js';
import type { HelmTarget } from './helm-cli.js';

/** One element of `helm list -o json` (revision is a string there). */
export interface HelmListedRelease {
  name: string;
  namespace: string;
  revision: string;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
}

interface ReleaseArgs extends HelmTarget {
  name: string;
  namespace: string;
}

/** The release as `helm list -a` shows it (every status), or null. */
export const helmReleaseListed = defineFact<ReleaseArgs, HelmListedRelease | null>({
  name: 'helm.release',
  command: (a) => sh`helm list -n ${a.namespace} -a -o json --filter ${`^${a.name}$`} ${targetArgs(a)}`,
  parse: (result, a) => {
    if (result.exitCode !== 0) throw helmFailure('', `listing helm release ${a.name}`, sh`helm list -n ${a.namespace} -a -o json`, result);
    const list = JSON.parse(result.stdout || '[]') as HelmListedRelease[];
    return list.find((r) => r.name === a.name) ?? null;
  },
});

/** The user-supplied values of the deployed revision (`helm get values -o json`), or null without a release. */
export const helmReleaseValues = defineFact<ReleaseArgs, Record<string, unknown> | null>({
  name: 'helm.release_values',
  command: (a) => sh`helm get values ${a.name} -n ${a.namespace} -o json ${targetArgs(a)}`,
  parse: (result, a) => {
    if (result.exitCode !== 0) {
      if (/release: not found/.test(result.stderr)) return null;
      throw helmFailure('', `reading the values of helm release ${a.name}`, sh`helm get values ${a.name} -n ${a.namespace} -o json`, result);
    }
    return (JSON.parse(result.stdout || 'null') as Record<string, unknown> | null) ?? {};
  },
});

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The helmRelease task's params as written (an interface, so editors show each field's documentation). */
export interface HelmReleaseInput {
  /** Release name (helm's rule: a DNS label of at most 53 characters). */
  name: string;
  /** The release's namespace. Default 'default'. */
  namespace?: string | undefined;
  /** `repo/chart`, an absolute path to a chart on the host, or an oci:// reference. */
  chart: string;
  /** Chart version; without it, any deployed version is accepted and an install takes the newest. */
  version?: string | undefined;
  /** Values as a typed object; Secret values are written to the host's 0600 values file, never on a command line. */
  values?: Record<string, unknown> | undefined;
  /** 'present' (default): installed or upgraded to match; 'absent': uninstalled. */
  state?: 'present' | 'absent' | undefined;
  /** Create the namespace when it is missing (helm --create-namespace). Default false. */
  createNamespace?: boolean | undefined;
  /** Wait until the release's resources are ready (helm --wait). Default false. */
  wait?: boolean | undefined;
  /** Roll back a failed install or upgrade (helm --atomic). Default false. */
  atomic?: boolean | undefined;
  /** helm's --timeout, in seconds. Default 300. */
  timeoutSeconds?: number | undefined;
  /** A kubeconfig on the host for helm; default helm's own ($KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string | undefined;
  /** A context of that kubeconfig (helm --kube-context); default its current-context. */
  kubeContext?: string | undefined;
}

const paramsSchema = z
  .object({
    name: z.string().max(53).regex(dnsLabel, "a release name such as 'cilium' (lowercase letters, digits, -)"),
    namespace: z.string().max(63).regex(dnsLabel, 'a namespace name').default('default'),
    chart: z.string().regex(/^([a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*|\/[^\0\n]+|oci:\/\/[^\s'"]+)$/i, "a chart: 'repo/chart', an absolute path on the host or oci://…"),
    version: z.string().regex(/^v?[0-9A-Za-z.+-]+$/, "a chart version such as '1.16.5'").optional(),
    values: z.record(z.string(), z.unknown()).default({}),
    state: z.enum(['present', 'absent']).default('present'),
    createNamespace: z.boolean().default(false),
    wait: z.boolean().default(false),
    atomic: z.boolean().default(false),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(300),
    kubeconfig: z.string().regex(/^\/[^\0\n]*$/, 'an absolute path on the host').optional(),
    kubeContext: z.string().min(1).optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, HelmReleaseInput> = paramsSchema;

type Params = z.output<typeof params>;

export interface HelmReleaseFacts {
  release: HelmListedRelease | null;
  values: Record<string, unknown> | null;
}

interface InstallPayload {
  name: string;
  namespace: string;
  chart: string;
  version: string | undefined;
  values: Record<string, unknown>;
  createNamespace: boolean;
}

export type HelmReleaseChange =
  | Change<'helmRelease.install' | 'helmRelease.upgrade', InstallPayload>
  | Change<'helmRelease.uninstall', { name: string; namespace: string }>;

/** The release as helm lists it after apply (or as it was when nothing changed); null when absent. */
export type HelmReleaseOutput = HelmListedRelease | null;

/** Values as they compare with helm's JSON: Secrets revealed (only for comparing and the 0600 file). */
export function revealedValues(values: unknown): unknown {
  if (values instanceof Secret) return values.reveal();
  if (Array.isArray(values)) return values.map(revealedValues);
  if (values && typeof values === 'object') return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, revealedValues(v)]));
  return values;
}

/** The texts of the Secrets among the values. */
function secretTexts(values: unknown, out: string[] = []): string[] {
  if (values instanceof Secret) out.push(values.reveal());
  else if (Array.isArray(values)) values.forEach((v) => secretTexts(v, out));
  else if (values && typeof values === 'object') Object.values(values).forEach((v) => secretTexts(v, out));
  return out;
}

/** The value paths (`a.b[0]`) that hold a Secret: shown as *** in diffs on both sides. */
function secretPaths(values: unknown, path = '', out = new Set<string>()): Set<string> {
  if (values instanceof Secret) out.add(path);
  else if (Array.isArray(values)) values.forEach((v, i) => secretPaths(v, `${path}[${i}]`, out));
  else if (values && typeof values === 'object') for (const [k, v] of Object.entries(values)) secretPaths(v, path ? `${path}.${k}` : k, out);
  return out;
}

function renderValueChanges(changes: FieldChange[], side: 'before' | 'after', secrets: Set<string>): string {
  return changes
    .filter((c) => c[side] !== undefined)
    .map((c) => `${c.path}: ${[...secrets].some((s) => c.path === s || c.path.startsWith(`${s}.`) || c.path.startsWith(`${s}[`) || s.startsWith(`${c.path}.`)) ? '***' : JSON.stringify(c[side])}`)
    .join('\n');
}

/** `cilium-1.16.5` → `1.16.5` (the chart name may itself contain dashes). */
export function listedVersion(chart: string): string {
  return /-(v?\d[^-]*(?:-[^-]+)*)$/.exec(chart)?.[1] ?? '';
}

/**
 * A Helm release (helm on the host, its kubeconfig there): installed, or upgraded only when the
 * chart version or the values differ from what is deployed (`helm list -o json` and `helm get
 * values -o json`), since every upgrade adds a revision; uninstalled with `state: absent`. A
 * release in a pending-* state is reported, not retried.
 */
export const helmRelease = defineModule({
  name: 'helmRelease',
  params,
  facts: (p) => {
    const args: ReleaseArgs = { name: p.name, namespace: p.namespace, kubeconfig: p.kubeconfig, kubeContext: p.kubeContext };
    return { release: helmReleaseListed(args), values: p.state === 'present' ? helmReleaseValues(args) : null };
  },
  plan(facts: HelmReleaseFacts, p: Params): HelmReleaseChange[] {
    const target = `${p.namespace}/${p.name}`;
    const { release } = facts;
    if (p.state === 'absent') {
      if (!release) return [];
      return [{ kind: 'helmRelease.uninstall', target, summary: `uninstall ${target} (${release.chart}, ${release.status})`, before: release.chart, after: null, payload: { name: p.name, namespace: p.namespace } }];
    }
    const payload: InstallPayload = { name: p.name, namespace: p.namespace, chart: p.chart, version: p.version, values: p.values, createNamespace: p.createNamespace };
    const wanted = p.version ? `${p.chart} ${p.version}` : p.chart;
    if (!release) return [{ kind: 'helmRelease.install', target, summary: `install ${target} from ${wanted}`, before: null, after: wanted, payload }];
    if (release.status.startsWith('pending-') || release.status === 'uninstalling') {
      throw new MeshbookError('MODULE_FAILED', `helm release ${target} is ${release.status} (revision ${release.revision}, since ${release.updated}): another operation is in progress or was interrupted`, {
        hint: 'wait for it to finish; if it is stuck, roll it back (helm rollback) or uninstall it, then run again',
      });
    }
    const reasons: string[] = [];
    const deployedVersion = listedVersion(release.chart);
    if (release.status !== 'deployed') reasons.push(`status ${release.status}`);
    if (p.version && deployedVersion.replace(/^v/, '') !== p.version.replace(/^v/, '')) reasons.push(`chart ${release.chart} → ${p.version}`);
    const valueChanges = fieldChanges(facts.values ?? {}, revealedValues(p.values));
    if (valueChanges.length > 0) reasons.push(`values: ${valueChanges.map((c) => c.path).slice(0, 6).join(', ')}${valueChanges.length > 6 ? ', …' : ''}`);
    if (reasons.length === 0) return [];
    const secrets = secretPaths(p.values);
    return [{
      kind: 'helmRelease.upgrade',
      target,
      summary: `upgrade ${target} (revision ${release.revision}): ${reasons.join('; ')}`,
      before: [`chart: ${release.chart}`, renderValueChanges(valueChanges, 'before', secrets)].filter(Boolean).join('\n'),
      after: [`chart: ${wanted}`, renderValueChanges(valueChanges, 'after', secrets)].filter(Boolean).join('\n'),
      payload,
    }];
  },
  async apply(ctx, changes, p): Promise<HelmReleaseOutput> {
    const target: ShellValue[] = targetArgs(p);
    const timeout = `${p.timeoutSeconds}s`;
    // helm's own timeout bounds the wait; the command gets a minute more to report it.
    const commandTimeoutMs = (p.timeoutSeconds + 60) * 1000;
    let name = p.name;
    let namespace = p.namespace;
    for (const change of changes) {
      ({ name, namespace } = change.payload);
      switch (change.kind) {
        case 'helmRelease.uninstall':
          await runHelm(ctx, `uninstalling helm release ${namespace}/${name}`, sh`helm uninstall ${name} -n ${namespace} ${p.wait ? ['--wait'] : []} --timeout ${timeout} --debug ${target}`, commandTimeoutMs, helmProgressMask([]));
          return null;
        case 'helmRelease.install':
        case 'helmRelease.upgrade': {
          const { chart, version, values, createNamespace } = change.payload;
          const dir = (await ctx.exec(sh`mktemp -d`)).stdout.trim();
          try {
            const file = `${dir}/values.json`;
            // JSON is YAML: helm reads it with -f; the file is 0600 in a 0700 directory, removed after.
            await ctx.put(file, JSON.stringify(revealedValues(values)), { mode: 0o600 });
            const flags: ShellValue[] = [
              ...(version ? ['--version', version] : []),
              ...(createNamespace ? ['--create-namespace'] : []),
              ...(p.wait ? ['--wait'] : []),
              ...(p.atomic ? ['--atomic'] : []),
            ];
            // --debug: helm logs what it creates and waits for, which the live view shows as it comes.
            const what = `${change.kind === 'helmRelease.install' ? 'installing' : 'upgrading'} helm release ${namespace}/${name}`;
            ctx.progress(`${what} (${chart}${version ? ` ${version}` : ''})`);
            await runHelm(ctx, what, sh`helm upgrade --install ${name} ${chart} -n ${namespace} -f ${file} --timeout ${timeout} ${flags} --debug ${target}`, commandTimeoutMs, helmProgressMask(secretTexts(values)));
          } finally {
            await ctx.run(sh`rm -rf -- ${dir}`);
          }
          break;
        }
      }
    }
    const listed = await ctx.run(sh`helm list -n ${namespace} -a -o json --filter ${`^${name}$`} ${target}`);
    if (listed.exitCode !== 0) return null;
    return (JSON.parse(listed.stdout || '[]') as HelmListedRelease[]).find((r) => r.name === name) ?? null;
  },
  output: (facts) => facts.release,
});
