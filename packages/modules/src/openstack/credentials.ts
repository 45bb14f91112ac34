// Where an OpenStack account comes from, as the openstack client finds it: a cloud in clouds.yaml
// (named by the task or OS_CLOUD), else the OS_* variables. The password becomes a Secret as soon
// as it is read; `field` names where each value came from, for errors that say what to fix.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MeshbookError, Secret } from '@meshbook/engine';

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

export function credentialsFromCloudsYaml(path: string, cloud: string): CloudCredentials {
  let doc: { clouds?: Record<string, { auth?: Record<string, unknown>; region_name?: unknown; interface?: unknown; cacert?: unknown }> };
  try {
    doc = parse(readFileSync(path, 'utf8')) ?? {};
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
  const auth = entry.auth ?? {};
  const source = `cloud ${cloud} in ${path}`;
  const at = (key: string) => `clouds.${cloud}.auth.${key}`;
  const authUrl = text(auth.auth_url) ?? (() => { throw missing('the Keystone URL', at('auth_url'), source); })();
  const username = text(auth.username) ?? (() => { throw missing('the user name', at('username'), source); })();
  const password = text(auth.password);
  if (password === undefined) throw missing('the password', at('password'), source);
  const projectName = text(auth.project_name);
  const projectId = text(auth.project_id);
  if (!projectName && !projectId) throw missing('the project', at('project_name'), source);
  return {
    source,
    authUrl,
    username,
    password: new Secret(password),
    projectName,
    projectId,
    userDomainName: text(auth.user_domain_name) ?? text(auth.domain_name) ?? 'Default',
    projectDomainName: text(auth.project_domain_name) ?? text(auth.domain_name) ?? 'Default',
    regionName: text(entry.region_name),
    interface: text(entry.interface) ?? 'public',
    caFile: text(entry.cacert),
    fields: { authUrl: at('auth_url'), username: at('username'), password: at('password'), project: at('project_name') },
  };
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): CloudCredentials {
  const source = 'the OS_* variables';
  const authUrl = text(env.OS_AUTH_URL) ?? (() => { throw missing('the Keystone URL', 'OS_AUTH_URL', source); })();
  const username = text(env.OS_USERNAME) ?? (() => { throw missing('the user name', 'OS_USERNAME', source); })();
  const password = text(env.OS_PASSWORD);
  if (password === undefined) throw missing('the password', 'OS_PASSWORD', source);
  const projectName = text(env.OS_PROJECT_NAME) ?? text(env.OS_TENANT_NAME);
  const projectId = text(env.OS_PROJECT_ID) ?? text(env.OS_TENANT_ID);
  if (!projectName && !projectId) throw missing('the project', 'OS_PROJECT_NAME', source);
  return {
    source,
    authUrl,
    username,
    password: new Secret(password),
    projectName,
    projectId,
    userDomainName: text(env.OS_USER_DOMAIN_NAME) ?? text(env.OS_DOMAIN_NAME) ?? 'Default',
    projectDomainName: text(env.OS_PROJECT_DOMAIN_NAME) ?? text(env.OS_DOMAIN_NAME) ?? 'Default',
    regionName: text(env.OS_REGION_NAME),
    interface: text(env.OS_INTERFACE) ?? 'public',
    caFile: text(env.OS_CACERT),
    fields: { authUrl: 'OS_AUTH_URL', username: 'OS_USERNAME', password: 'OS_PASSWORD', project: 'OS_PROJECT_NAME' },
  };
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
