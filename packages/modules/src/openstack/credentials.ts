// Where an OpenStack account comes from, as the openstack client finds it: a cloud in clouds.yaml
// (named by the task or OS_CLOUD), else the OS_* variables. The password becomes a Secret as soon
// as it is read; `field` names where each value came from, for errors that say what to fix.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MeshbookError, Secret, parseYaml } from '@meshbook/engine';

export interface CloudCredentials {
  /** Where the account was found: "cloud lab in /path/clouds.yaml" or "the OS_* variables". */
  source: string;
  authUrl: string;
  username: string;
  password: Secret;
  projectName?: string;
  projectId?: string;
  userDomainName: string;
  projectDomainName: string;
  regionName?: string;
  interface: string;
  /** A CA bundle for an https endpoint (clouds.yaml `cacert`, OS_CACERT). */
  caFile?: string;
  /** How each value is named where it came from: `clouds.lab.auth.password`, `OS_PASSWORD`. */
  fields: { authUrl: string; username: string; password: string; project: string };
}

/** The places the openstack client reads clouds.yaml from, in its order. */
export function cloudsYamlCandidates(env: NodeJS.ProcessEnv): string[] {
  if (env.OS_CLIENT_CONFIG_FILE) return [env.OS_CLIENT_CONFIG_FILE];
  return [join(process.cwd(), 'clouds.yaml'), join(homedir(), '.config/openstack/clouds.yaml'), '/etc/openstack/clouds.yaml'];
}

const missing = (what: string, field: string, source: string) =>
  new MeshbookError('BAD_INPUT', `openstackAllowedAddress: ${what} is missing (${field}, from ${source})`, {
    hint: `set ${field}`,
  });

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
}

/**
 * How each value is named: under the cloud's entry in clouds.yaml, and among the OS_* variables;
 * the first name that has a value wins, and the first name is the one an error asks to set.
 */
const NAMES = {
  authUrl: { yaml: ['auth.auth_url'], env: ['OS_AUTH_URL'] },
  username: { yaml: ['auth.username'], env: ['OS_USERNAME'] },
  password: { yaml: ['auth.password'], env: ['OS_PASSWORD'] },
  projectName: { yaml: ['auth.project_name'], env: ['OS_PROJECT_NAME', 'OS_TENANT_NAME'] },
  projectId: { yaml: ['auth.project_id'], env: ['OS_PROJECT_ID', 'OS_TENANT_ID'] },
  userDomainName: { yaml: ['auth.user_domain_name', 'auth.domain_name'], env: ['OS_USER_DOMAIN_NAME', 'OS_DOMAIN_NAME'] },
  projectDomainName: { yaml: ['auth.project_domain_name', 'auth.domain_name'], env: ['OS_PROJECT_DOMAIN_NAME', 'OS_DOMAIN_NAME'] },
  regionName: { yaml: ['region_name'], env: ['OS_REGION_NAME'] },
  interface: { yaml: ['interface'], env: ['OS_INTERFACE'] },
  caFile: { yaml: ['cacert'], env: ['OS_CACERT'] },
} as const;

/** One place an account is read from: its description, which names it uses, and how it reads and shows a name. */
interface AccountSource {
  source: string;
  names: 'yaml' | 'env';
  value(name: string): unknown;
  field(name: string): string;
}

function credentialsFrom(from: AccountSource): CloudCredentials {
  const names = (key: keyof typeof NAMES): readonly string[] => NAMES[key][from.names];
  const read = (key: keyof typeof NAMES) => names(key).map((name) => text(from.value(name))).find((value) => value !== undefined);
  const field = (key: keyof typeof NAMES) => from.field(names(key)[0]!);
  const required = (key: keyof typeof NAMES, what: string) => read(key) ?? (() => { throw missing(what, field(key), from.source); })();
  const authUrl = required('authUrl', 'the Keystone URL');
  const username = required('username', 'the user name');
  const password = required('password', 'the password');
  const projectName = read('projectName');
  const projectId = read('projectId');
  if (!projectName && !projectId) throw missing('the project', field('projectName'), from.source);
  return {
    source: from.source,
    authUrl,
    username,
    password: new Secret(password),
    projectName,
    projectId,
    userDomainName: read('userDomainName') ?? 'Default',
    projectDomainName: read('projectDomainName') ?? 'Default',
    regionName: read('regionName'),
    interface: read('interface') ?? 'public',
    caFile: read('caFile'),
    fields: { authUrl: field('authUrl'), username: field('username'), password: field('password'), project: field('projectName') },
  };
}

export function credentialsFromCloudsYaml(path: string, cloud: string): CloudCredentials {
  let doc: { clouds?: Record<string, Record<string, unknown>> };
  try {
    doc = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: cannot read clouds.yaml ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'give the task cloudsFile: <path to clouds.yaml>, or set OS_CLIENT_CONFIG_FILE',
    });
  }
  const entry = doc.clouds?.[cloud];
  if (!entry) {
    const known = Object.keys(doc.clouds ?? {});
    throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: ${path} has no cloud "${cloud}" (it has: ${known.join(', ') || 'none'})`, {
      hint: `set the task's cloud (or OS_CLOUD) to one of the clouds in ${path}`,
    });
  }
  return credentialsFrom({
    source: `cloud ${cloud} in ${path}`,
    names: 'yaml',
    value: (name) => name.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | null | undefined)?.[key], entry),
    field: (name) => `clouds.${cloud}.${name}`,
  });
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): CloudCredentials {
  return credentialsFrom({ source: 'the OS_* variables', names: 'env', value: (name) => env[name], field: (name) => name });
}

/**
 * The task's cloud (or OS_CLOUD) from its clouds.yaml (the task's cloudsFile, else where the
 * client looks); without a cloud name, the OS_* variables.
 */
export function resolveCredentials(options: { cloud?: string; cloudsFile?: string }, env: NodeJS.ProcessEnv = process.env): CloudCredentials {
  const cloud = options.cloud ?? text(env.OS_CLOUD);
  if (cloud === undefined) {
    if (options.cloudsFile) {
      throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: cloudsFile ${options.cloudsFile} is given but no cloud names the entry to use`, {
        hint: 'set the task\'s cloud (or OS_CLOUD) to a cloud in that clouds.yaml',
      });
    }
    return credentialsFromEnv(env);
  }
  const candidates = options.cloudsFile ? [options.cloudsFile] : cloudsYamlCandidates(env);
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: cloud "${cloud}" is asked for but no clouds.yaml exists (looked in ${candidates.join(', ')})`, {
      hint: 'give the task cloudsFile: <path to clouds.yaml>, or set OS_CLIENT_CONFIG_FILE',
    });
  }
  return credentialsFromCloudsYaml(path, cloud);
}
