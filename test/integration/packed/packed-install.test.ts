import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';

const exec = promisify(execFile);
const PACKAGES = ['engine', 'modules', 'playbooks', 'cli'] as const;
const CONSUMER_SOURCES = new URL('./consumer/', import.meta.url);
// What the library must not bring: a Docker client, a compiler or bundler, gRPC.
const HEAVY = ['dockerode', 'docker-modem', 'esbuild', '@grpc/grpc-js', '@grpc/proto-loader'];

async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return exec(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
}

/** Every installed package's name, from the node_modules tree (nested ones included). */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(dir, entry))) add(join(dir, entry, scoped), `${entry}/${scoped}`);
      } else add(join(dir, entry), entry);
    }
  };
  const add = (path: string, name: string) => {
    names.push(name);
    visit(join(path, 'node_modules'));
  };
  visit(nodeModules);
  return names;
}

function diskBytes(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + diskBytes(join(path, entry)), 0);
}

/**
 * What a new user does: the packages as `pnpm pack` makes them, installed with plain `npm install`
 * into a fresh project outside this repository, then used from ES module and CommonJS TypeScript,
 * type-checked under node16, nodenext and bundler resolution, and the `meshbook` bin run there.
 */
describe('the packed packages in a fresh npm project', () => {
  const fleet = useFleet({ hosts: 1 });
  let work: string;
  let project: string;
  const tarball: Partial<Record<(typeof PACKAGES)[number], string>> = {};
  let libraryOnly: { packages: string[]; bytes: number };

  beforeAll(async () => {
    const built = join(REPO_ROOT, 'packages/cli/dist/bundle/package.cjs');
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(REPO_ROOT, 'packages/cli/src/main.ts')).mtimeMs) {
      throw new Error('the packages are not built (or older than their sources): run `pnpm build` first');
    }
    work = mkdtempSync(join(tmpdir(), 'meshbook-packed-'));
    const tarballs = join(work, 'tarballs');
    for (const name of PACKAGES) {
      const { stdout } = await sh('pnpm', ['pack', '--pack-destination', tarballs], join(REPO_ROOT, 'packages', name));
      const file = stdout.trim().split('\n').at(-1)!.trim();
      tarball[name] = file.startsWith('/') ? file : join(tarballs, file);
    }
    project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
    // npm's own cache makes a second run of this test offline for the registry's packages.
    const npmInstall = (...specs: string[]) => sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], project);

    // The README's first step: the library alone, in an empty project.
    await npmInstall(tarball.engine!, tarball.modules!);
    libraryOnly = { packages: installedPackages(join(project, 'node_modules')), bytes: diskBytes(join(project, 'node_modules')) };
    console.log(`npm install @meshbook/modules @meshbook/engine: ${libraryOnly.packages.length} packages, ${(libraryOnly.bytes / 1e6).toFixed(1)} MB`);

    // Then the rest, and what a TypeScript project has.
    await npmInstall(tarball.playbooks!, tarball.cli!, '--save-dev', 'typescript@~5.9.3', '@types/node@^20.19.0');
    cpSync(CONSUMER_SOURCES, project, { recursive: true });
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the library alone installs no Docker client, no esbuild and no gRPC', () => {
    expect(libraryOnly.packages).toContain('@meshbook/engine');
    expect(libraryOnly.packages).toContain('@meshbook/modules');
    for (const name of HEAVY) expect(libraryOnly.packages).not.toContain(name);
    // One engine in the tree: the modules use the program's (a peer dependency).
    expect(libraryOnly.packages.filter((name) => name === '@meshbook/engine')).toHaveLength(1);
  });

  it('templates render from the bundle with no handlebars installed (it is inlined: a devDependency)', async () => {
    // Not in the library alone nor in the whole install: no package brings it.
    expect(libraryOnly.packages).not.toContain('handlebars');
    expect(installedPackages(join(project, 'node_modules'))).not.toContain('handlebars');
    const render = "renderTemplate('motd', '{{#each hosts}}{{this}} {{/each}}of {{site}}', { hosts: ['a', 'b'], site: 'x' })";
    const esm = await sh(process.execPath, ['--input-type=module', '-e', `import { renderTemplate } from '@meshbook/modules'; console.log(${render});`], project);
    expect(esm.stdout).toBe('a b of x\n');
    const onDemand = await sh(process.execPath, ['--input-type=commonjs', '-e', `const renderTemplate = require('@meshbook/modules/on-demand').load('renderTemplate'); console.log(${render});`], project);
    expect(onDemand.stdout).toBe('a b of x\n');
    // Strict, as handlebars' own compiler makes it: an undefined variable is an error naming it.
    const undefinedVariable = await sh(process.execPath, ['--input-type=module', '-e', "import { renderTemplate } from '@meshbook/modules'; renderTemplate('motd', '{{missing}}', {});"], project).then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );
    expect(undefinedVariable).toContain('template motd: undefined variable "missing" at line 1, column 3');
  });

  it('each package carries its license, README, engines and keywords, and no repository address (there is no public one yet, as its README says)', () => {
    for (const name of PACKAGES) {
      const dir = join(project, 'node_modules/@meshbook', name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest['license'], name).toBe('MIT');
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), name).toMatch(/^MIT License/);
      expect(manifest['engines'], name).toEqual({ node: '>=20' });
      expect(manifest['keywords'], name).toContain('meshbook');
      // An address that leads nowhere is worse than none; the README says where things stand.
      for (const field of ['repository', 'homepage', 'bugs']) expect(manifest, `${name}: ${field}`).not.toHaveProperty(field);
      expect(readFileSync(join(dir, 'README.md'), 'utf8'), name).toMatch(/## Source\s+meshbook has no public source repository/);
    }
  });

  it("the params' field documentation is in the published declarations (editors show it on hover)", () => {
    const declarations = (file: string) => readFileSync(join(project, 'node_modules/@meshbook/modules/dist', file), 'utf8');
    const sysctl = declarations('sysctl.d.cts');
    expect(sysctl).toMatch(/\/\*\* Keys and the values they must have at runtime[^*]*\*\/\s*values: Record<string, string \| number>;/);
    expect(sysctl).toMatch(/declare const sysctl: .*Module<[\s\S]*, SysctlInput>;/);
    const getUrl = declarations('get-url.d.cts');
    expect(getUrl).toMatch(/\/\*\* Required, `sha256:<64 hex digits>`: the download is verified[^*]*\*\/\s*checksum: string;/);
    expect(getUrl).toMatch(/declare const getUrl: .*Module<[\s\S]*, GetUrlInput>;/);
    expect(declarations('unarchive.d.cts')).toMatch(/\/\*\* Only these entries \(as listed by `tar -t`[^*]*\*\/\s*include\?: string\[\] \| undefined;/);
    // One documented field per module, and the module's input type is that documented interface.
    const documented: Array<[file: string, module: string, input: string, field: RegExp]> = [
      ['apt.d.cts', 'apt', 'AptInput', /\/\*\* Refresh the package lists first[^*]*\*\/\s*updateCache\?: boolean \| undefined;/],
      ['copy.d.cts', 'copy', 'CopyInput', /\/\*\* Literal content \(give this or src\)[^*]*\*\/\s*content\?: string \| Secret \| undefined;/],
      ['template.d.cts', 'template', 'TemplateInput', /\/\*\* Template variables; Secret values[^*]*\*\/\s*vars\?: Record<string, unknown> \| undefined;/],
      ['file.d.cts', 'file', 'FileInput', /\/\*\*\s*\* file: an existing regular file[^/]*\*\/\s*state\?: 'file' \| 'touch'/],
      ['lineinfile.d.cts', 'lineinfile', 'LineinfileInput', /\/\*\* As regexp, but a literal string[^*]*\*\/\s*search_string\?: string \| undefined;/],
      ['blockinfile.d.cts', 'blockinfile', 'BlockinfileInput', /\/\*\* Names the block[^*]*\*\/\s*name: string;/],
      ['systemd.d.cts', 'systemd', 'SystemdInput', /\/\*\* true: always daemon-reload[^*]*\*\/\s*daemonReload\?: boolean \| 'auto' \| undefined;/],
      ['command.d.cts', 'command', 'CommandInput', /\/\*\* Program and arguments[^*]*\*\/\s*argv: Array<string \| Secret>;/],
      ['command.d.cts', 'shell', 'ShellInput', /\/\*\* Shell text, run with sh -c[^*]*\*\/\s*cmd: string;/],
      ['user.d.cts', 'user', 'UserInput', /\/\*\* Supplementary groups[^*]*\*\/\s*groups\?: string\[\] \| undefined;/],
      ['wireguard/interface.d.cts', 'wireguardInterface', 'WireguardInterfaceInput', /\/\*\* The peers, exactly[^*]*\*\/\s*peers: WireguardPeerInput\[\];/],
      ['wireguard/interface.d.cts', 'wireguardInterface', 'WireguardInterfaceInput', /\/\*\* Addresses or CIDRs routed to this peer[^*]*\*\/\s*allowedIps: string\[\];/],
      ['wireguard/key.d.cts', 'wireguardKey', 'WireguardKeyInput', /\/\*\* Where the private key is kept[^*]*\*\/\s*privateKeyFile\?: string \| undefined;/],
      ['group.d.cts', 'group', 'GroupInput', /\/\*\* A system group \(gid from the system range\)[^*]*\*\/\s*system\?: boolean \| undefined;/],
      ['modprobe.d.cts', 'modprobe', 'ModprobeInput', /\/\*\* One module or several[^*]*\*\/\s*name: string \| string\[\];/],
      ['kubeadm/config.d.cts', 'kubeadmConfig', 'KubeadmConfigInput', /\/\*\* The API server's extra flags[^*]*\*\/\s*apiServerExtraArgs\?: Record<string, string \| number \| boolean> \| undefined;/],
      ['kubeadm/init.d.cts', 'kubeadmInit', 'KubeadmInitInput', /\/\*\* Phases to skip[^*]*\*\/\s*skipPhases\?: string\[\] \| undefined;/],
      ['kubeadm/join-command.d.cts', 'kubeadmJoinCommand', 'KubeadmJoinCommandInput', /\/\*\* The token's lifetime[^*]*\*\/\s*ttl\?: string \| undefined;/],
      ['kubeadm/join.d.cts', 'kubeadmJoin', 'KubeadmJoinInput', /\/\*\* kubeadmJoinCommand's output on a master[^*]*\*\/\s*joinCommand: KubeadmJoinCommandValue \| null;/],
      ['kubeadm/kubeconfig-user.d.cts', 'kubeadmKubeconfigUser', 'KubeadmKubeconfigUserInput', /\/\*\* The certificate's CN[^*]*\*\/\s*clientName: string;/],
      ['kube/resource.d.cts', 'kubeResource', 'KubeResourceInput', /\/\*\* Take over fields another field manager owns[^*]*\*\/\s*forceConflicts\?: boolean \| undefined;/],
      ['helm/helm-release.d.cts', 'helmRelease', 'HelmReleaseInput', /\/\*\* Values as a typed object; Secret values[^*]*\*\/\s*values\?: Record<string, unknown> \| undefined;/],
      ['helm/helm-repository.d.cts', 'helmRepository', 'HelmRepositoryInput', /\/\*\* The repository's local name[^*]*\*\/\s*name: string;/],
      ['apt-key.d.cts', 'aptKey', 'AptKeyInput', /\/\*\*\s*\* The key's primary fingerprint[^/]*\*\/\s*fingerprint\?: string \| undefined;/],
      ['apt-repository.d.cts', 'aptRepository', 'AptRepositoryInput', /\/\*\* The keyring that signs the repository[^*]*\*\/\s*signedBy\?: string \| undefined;/],
      ['fetch.d.cts', 'fetch', 'FetchInput', /\/\*\* Also write the content on the controller[^*]*\*\/\s*dest\?: string \| undefined;/],
      ['hosts.d.cts', 'hosts', 'HostsInput', /\/\*\* The block's lines, exactly[^*]*\*\/\s*entries\?: HostsEntryInput\[\] \| undefined;/],
      ['kubeconfig.d.cts', 'kubeconfig', 'KubeconfigInput', /\/\*\* The context kubectl uses by default[^*]*\*\/\s*currentContext\?: string \| undefined;/],
      ['mount.d.cts', 'mount', 'MountInput', /\/\*\* fstab's fsck order[^*]*\*\/\s*passno\?: number \| undefined;/],
      ['toml-file.d.cts', 'tomlFile', 'TomlFileInput', /\/\*\* argv whose stdout is the base document[^*]*\*\/\s*baseCommand\?: string\[\] \| undefined;/],
      ['rke-up.d.cts', 'rkeUp', 'RkeUpInput', /\/\*\* How long `rke up` may take[^*]*\*\/\s*timeoutSeconds\?: number \| undefined;/],
      ['authorized-key.d.cts', 'authorizedKey', 'AuthorizedKeyInput', /\/\*\* Remove every other key from the file[^*]*\*\/\s*exclusive\?: boolean \| undefined;/],
      ['cron.d.cts', 'cron', 'CronInput', /\/\*\* Keep the job's line commented out[^*]*\*\/\s*disabled\?: boolean \| undefined;/],
      ['git.d.cts', 'git', 'GitInput', /\/\*\* A shallow clone[^*]*\*\/\s*depth\?: number \| undefined;/],
      ['wait-for.d.cts', 'waitFor', 'WaitForInput', /\/\*\* How long to wait in all, after delaySeconds[^*]*\*\/\s*timeoutSeconds\?: number \| undefined;/],
      ['reboot.d.cts', 'reboot', 'RebootInput', /\/\*\* How long the host may take to be back[^*]*\*\/\s*rebootTimeoutSeconds\?: number \| undefined;/],
      ['kube/info.d.cts', 'kubeResourceInfo', 'KubeResourceInfoInput', /\/\*\* The object's apiVersion[^*]*\*\/\s*apiVersion: string;/],
      ['kube/load-balancer-address.d.cts', 'kubeLoadBalancerAddress', 'KubeLoadBalancerAddressInput', /\/\*\* Which of its ports, by name[^*]*\*\/\s*port\?: string \| undefined;/],
      ['openstack/allowed-address.d.cts', 'openstackAllowedAddress', 'OpenstackAllowedAddressInput', /\/\*\*\s*\* IP addresses or CIDRs the ports must allow[^/]*\*\/\s*addresses: string\[\];/],
      ['cilium/cli-install.d.cts', 'ciliumCli', 'CiliumCliInput', /\/\*\* The release to install[^*]*\*\/\s*version\?: string \| undefined;/],
      ['cilium/clustermesh.d.cts', 'ciliumClustermesh', 'CiliumClustermeshInput', /\/\*\* How the clustermesh-apiserver is exposed[^*]*\*\/\s*serviceType: 'NodePort' \| 'LoadBalancer';/],
      ['cilium/clustermesh.d.cts', 'ciliumClustermeshConnect', 'CiliumClustermeshConnectInput', /\/\*\* address:port where the other cluster reaches[^*]*\*\/\s*sourceEndpoint\?: string \| undefined;/],
      ['cilium/clustermesh.d.cts', 'ciliumClustermeshStatus', 'CiliumClustermeshStatusInput', /\/\*\* The Cilium cluster names this one must be connected to[^*]*\*\/\s*peers: string\[\];/],
      ['cilium/verify.d.cts', 'ciliumMeshNodes', 'CiliumMeshNodesInput', /\/\*\* Cilium cluster names whose nodes this cluster must list[^*]*\*\/\s*clusters: string\[\];/],
      ['cilium/verify.d.cts', 'ciliumGlobalServiceBackends', 'CiliumGlobalServiceBackendsInput', /\/\*\* By Cilium cluster name: whether[^*]*\*\/\s*expect: Record<string, boolean>;/],
    ];
    for (const [file, module, input, field] of documented) {
      const text = declarations(file);
      expect(text, file).toMatch(field);
      expect(text, file).toMatch(new RegExp(`declare const ${module}: .*Module<[\\s\\S]*?, ${input}>;`));
    }
    // Shared fields are documented once and reach every module that takes them.
    expect(declarations('lib/file-attributes.d.cts')).toMatch(/\/\*\* Owner, a user name or uid[^*]*\*\/\s*owner\?: string \| undefined;/);
    expect(declarations('command.d.cts')).toMatch(/\/\*\* Exit codes that count as success[^*]*\*\/\s*okExitCodes\?: number\[\] \| undefined;/);
    expect(declarations('cilium/cilium-cli.d.cts')).toMatch(/\/\*\* Absolute path of a kubeconfig on the host: cilium-cli's --kubeconfig[^*]*\*\/\s*kubeconfig: string;/);
    expect(declarations('kube/resource.d.cts')).toMatch(/\/\*\* A context of that kubeconfig; default its current-context[^*]*\*\/\s*context\?: string \| undefined;/);
  });

  it("the modules' on-demand entry (what compiled playbooks import) gives the index's own exports, each loaded on first use", async () => {
    const program = [
      "const onDemand = require('@meshbook/modules/on-demand');",
      // Before the index is loaded: a name is served by its own file alone.
      "const sysctl = onDemand.load('sysctl');",
      "const index = require('@meshbook/modules');",
      'const names = Object.keys(index);',
      'const same = names.filter((name) => onDemand.load(name) === index[name]);',
      'console.log(JSON.stringify({ names: names.length, same: same.length, listed: onDemand.exportNames.length, sysctl: sysctl === index.sysctl }));',
    ].join('\n');
    const { stdout } = await sh(process.execPath, ['--input-type=commonjs', '-e', program], project);
    const answer = JSON.parse(stdout) as { names: number; same: number; listed: number; sysctl: boolean };
    expect(answer.names).toBeGreaterThan(40);
    expect(answer).toEqual({ names: answer.names, same: answer.names, listed: answer.names, sysctl: true });
  });

  const tsc = (config: object, files: string[]) => {
    const name = `tsconfig.${Math.random().toString(36).slice(2)}.json`;
    writeFileSync(join(project, name), JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', skipLibCheck: false, types: ['node'], ...config }, files }));
    return sh(process.execPath, ['node_modules/typescript/bin/tsc', '-p', name], project);
  };
  const consumers = ['check-forwarding.mts', 'check-forwarding.cts', 'playbook.ts'];

  it('ES module and CommonJS consumers type-check under node16, nodenext and bundler', async () => {
    await tsc({ module: 'node16', moduleResolution: 'node16', noEmit: true }, consumers);
    // nodenext also emits: the next test runs what it compiled.
    await tsc({ module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }, consumers);
    await tsc({ module: 'esnext', moduleResolution: 'bundler', noEmit: true }, consumers);
    // The published types are real: a wrong param type is an error there too (the declarations
    // themselves were checked above, so this one skips them).
    const wrong = await tsc({ module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, skipLibCheck: true }, ['type-error.mts']).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(wrong).toMatch(/type-error\.mts\(\d+,\d+\): error TS2322/);
  });

  it('the ES module and CommonJS consumers, compiled, run against a host', async () => {
    const host = fleet().hosts[0]!;
    await fleet().exec(host.name, ['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
    const env = { KEY: fleet().privateKeyPath, KNOWN_HOSTS: fleet().knownHostsPath };
    const args = [host.address, String(host.port)];

    const cjs = await sh(process.execPath, ['out/check-forwarding.cjs', ...args], project, env);
    expect(cjs.stdout).toContain('cjs would change: net.ipv4.ip_forward');
    const esm = await sh(process.execPath, ['out/check-forwarding.mjs', ...args], project, env);
    expect(esm.stdout).toContain('esm would change: net.ipv4.ip_forward');
    expect((await fleet().exec(host.name, ['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('0');

    expect((await sh(process.execPath, ['out/check-forwarding.mjs', ...args, '--apply'], project, env)).stdout).toContain('esm changed:');
    expect((await sh(process.execPath, ['out/check-forwarding.cjs', ...args], project, env)).stdout).toContain('cjs unchanged');
  });

  it("the installed meshbook bin type-checks and runs the project's playbook", async () => {
    const host = fleet().hosts[0]!;
    await fleet().exec(host.name, ['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
    const inventory = [
      'all:',
      '  hosts:',
      '    target:',
      `      ansible_host: ${host.address}`,
      `      ansible_port: ${host.port}`,
      '      ansible_user: root',
      `      ansible_ssh_private_key_file: ${fleet().privateKeyPath}`,
      `      meshbook_known_hosts_file: ${fleet().knownHostsPath}`,
    ].join('\n');
    writeFileSync(join(project, 'hosts.yaml'), `${inventory}\n`);
    const bin = join(project, 'node_modules/.bin/meshbook');

    const checked = await sh(bin, ['run', 'playbook.ts', '-i', 'hosts.yaml', '--check', '--detailed-exitcode'], project).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(checked).toBe(3); // changes pending
    expect((await fleet().exec(host.name, ['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('0');
    await sh(bin, ['run', 'playbook.ts', '-i', 'hosts.yaml'], project);
    expect((await fleet().exec(host.name, ['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');

    writeFileSync(join(project, 'broken.ts'), readFileSync(join(project, 'playbook.ts'), 'utf8').replace("'1' }", 'true }'));
    const broken = await sh(bin, ['run', 'broken.ts', '-i', 'hosts.yaml', '--syntax-check'], project).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(broken.code).toBe(5);
    expect(broken.stderr).toMatch(/broken\.ts:\d+:\d+/);
  });
});
