import { readFileSync } from 'node:fs';
import { parseInitConfig, loadInitConfigFile, KUBERNETES_VERSION, type InitConfig } from './config.js';
import { KubeadmError, klogWarning, STACK_TRACE_HINT, EXIT_DEFAULT } from './errors.js';
import { lastValue, listValue, parseFlags } from './flags.js';
import { hostFacts } from './host.js';
import { init, type Output } from './init.js';
import { joinNode } from './join.js';
import { loadJoinConfigFile } from './join-config.js';
import { kubeconfigUser } from './kubeconfig-user.js';
import { hostLayout, type Layout } from './layout.js';
import { reset } from './reset.js';
import { tokenCreate } from './token-create.js';
import { newCertificateKey, uploadCerts } from './upload-certs.js';
import { ApiClient } from './api-client.js';
import { readKubeconfig } from '../pki/kubeconfig.js';

const VERSION_INFO = {
  major: '1', minor: '31', gitVersion: KUBERNETES_VERSION, gitCommit: '5e8fab6aac6bf3e1da7b26cfa8e3ea5e2fcd1c3c',
  gitTreeState: 'clean', buildDate: '2025-05-15T09:50:28Z', goVersion: 'go1.23.8', compiler: 'gc', platform: 'linux/amd64',
};

/** Flags of `init` that a `--config` file may not be mixed with (kubeadm: "can not mix '--config' with arguments"). */
const INIT_CONFIG_FLAGS = ['pod-network-cidr', 'service-cidr', 'control-plane-endpoint', 'apiserver-advertise-address', 'apiserver-bind-port', 'cri-socket', 'node-name', 'token', 'token-ttl', 'apiserver-cert-extra-sans', 'service-dns-domain', 'kubernetes-version', 'certificate-key'];

export async function main(argv: string[], io: Output, layout: Layout = hostLayout()): Promise<number> {
  try {
    await run(argv, io, layout);
    return 0;
  } catch (error) {
    const exitCode = error instanceof KubeadmError ? error.exitCode : EXIT_DEFAULT;
    io.err(`${(error as Error).message}\n${STACK_TRACE_HINT}`);
    return exitCode;
  }
}

async function run(argv: string[], io: Output, layout: Layout): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'init': return runInit(rest, io, layout);
    case 'join': return runJoin(rest, io, layout);
    case 'token': return runToken(rest, io, layout);
    case 'kubeconfig': return runKubeconfig(rest, io);
    case 'reset': return runReset(rest, io, layout);
    case 'certs': return runCerts(rest, io);
    case 'version': return runVersion(rest, io);
    case 'config': return runConfig(rest, io);
    case 'completion': return runCompletion(rest, io);
    case undefined: case '-h': case '--help': case 'help':
      io.out('Usage:\n  kubeadm [command]\n\nAvailable Commands:\n  certs       Commands related to handling kubernetes certificates\n  init        Run this command in order to set up the Kubernetes control plane\n  join        Run this on any machine you wish to join an existing cluster\n  kubeconfig  Kubeconfig file utilities\n  reset       Performs a best effort revert of changes made to this host by \'kubeadm init\' or \'kubeadm join\'\n  token       Manage bootstrap tokens\n  version     Print the version of kubeadm');
      return;
    default:
      throw new KubeadmError(`unknown command "${command}" for "kubeadm"`);
  }
}

async function runInit(argv: string[], io: Output, layout: Layout): Promise<void> {
  if (argv[0] === 'phase') return runInitPhase(argv.slice(1), io, layout);
  const flags = parseFlags(argv, {
    values: ['config', 'skip-phases', 'ignore-preflight-errors', 'certificate-key', ...INIT_CONFIG_FLAGS],
    bools: ['upload-certs', 'skip-token-print', 'skip-certificate-key-print', 'dry-run'],
  });
  if (flags.args.length > 0) throw new KubeadmError(`unknown command "${flags.args[0]}" for "kubeadm init"`);
  const host = hostFacts();
  const configPath = lastValue(flags, 'config');
  const given = INIT_CONFIG_FLAGS.filter((f) => flags.values.has(f) && f !== 'certificate-key');
  let loaded;
  if (configPath) {
    if (given.length > 0) throw new KubeadmError(`can not mix '--config' with arguments [${given.join(' ')}]`);
    loaded = loadInitConfigFile(configPath, host);
  } else {
    loaded = parseInitConfig(flagsAsConfig(flags), host);
  }
  const certificateKey = lastValue(flags, 'certificate-key');
  if (certificateKey) loaded.config.certificateKey = certificateKey;
  const layoutForConfig = hostLayout(layout.root, loaded.config.certificatesDir, loaded.config.etcdDataDir);
  await init({
    config: loaded.config,
    warnings: loaded.warnings,
    skipPhases: listValue(flags, 'skip-phases'),
    uploadCerts: flags.bools.has('upload-certs'),
    ignorePreflightErrors: listValue(flags, 'ignore-preflight-errors'),
    skipTokenPrint: flags.bools.has('skip-token-print'),
    host,
  }, layoutForConfig, io);
}

/** `kubeadm init phase upload-certs --upload-certs`: re-uploads the shared certificates with a (new) key. */
async function runInitPhase(argv: string[], io: Output, layout: Layout): Promise<void> {
  const [phase, ...rest] = argv;
  if (phase !== 'upload-certs') throw new KubeadmError(phase ? `the lab's kubeadm double runs only the upload-certs phase on its own, not "${phase}"` : 'missing phase name');
  const flags = parseFlags(rest, { values: ['config', 'certificate-key'], bools: ['upload-certs', 'skip-certificate-key-print', 'dry-run'] });
  if (!flags.bools.has('upload-certs')) {
    io.out('[upload-certs] Skipping phase. Please see --upload-certs');
    return;
  }
  const configPath = lastValue(flags, 'config');
  const loaded = configPath ? loadInitConfigFile(configPath, hostFacts()) : undefined;
  for (const w of loaded?.warnings ?? []) io.err(klogWarning(w.source, w.message));
  const certificateKey = lastValue(flags, 'certificate-key') ?? loaded?.config.certificateKey ?? newCertificateKey();
  if (!/^[0-9a-f]{64}$/.test(certificateKey)) throw new KubeadmError('error execution phase upload-certs: certificate-key must be a 64 characters long hexadecimal string');
  const pkiDir = loaded ? hostLayout(layout.root, loaded.config.certificatesDir).pkiDir : layout.pkiDir;
  const admin = new ApiClient(readKubeconfig(readFileSync(layout.adminConf, 'utf8')));
  await uploadCerts(admin, pkiDir, certificateKey, io.out).catch((e: Error) => { throw new KubeadmError(`error execution phase upload-certs: error uploading certs: ${e.message}`); });
}

/** The flag form of init, as the documents kubeadm builds from it. */
function flagsAsConfig(flags: ReturnType<typeof parseFlags>): string {
  const v = (name: string) => lastValue(flags, name);
  const init: Record<string, unknown> = { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'InitConfiguration' };
  const cluster: Record<string, unknown> = { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration' };
  const endpoint: Record<string, unknown> = {};
  if (v('apiserver-advertise-address')) endpoint.advertiseAddress = v('apiserver-advertise-address');
  if (v('apiserver-bind-port')) endpoint.bindPort = Number(v('apiserver-bind-port'));
  if (Object.keys(endpoint).length) init.localAPIEndpoint = endpoint;
  const nodeReg: Record<string, unknown> = {};
  if (v('cri-socket')) nodeReg.criSocket = v('cri-socket');
  if (v('node-name')) nodeReg.name = v('node-name');
  if (Object.keys(nodeReg).length) init.nodeRegistration = nodeReg;
  if (v('token') || v('token-ttl')) init.bootstrapTokens = [{ ...(v('token') ? { token: v('token') } : {}), ...(v('token-ttl') ? { ttl: v('token-ttl') } : {}) }];
  const networking: Record<string, unknown> = {};
  if (v('pod-network-cidr')) networking.podSubnet = v('pod-network-cidr');
  if (v('service-cidr')) networking.serviceSubnet = v('service-cidr');
  if (v('service-dns-domain')) networking.dnsDomain = v('service-dns-domain');
  if (Object.keys(networking).length) cluster.networking = networking;
  if (v('control-plane-endpoint')) cluster.controlPlaneEndpoint = v('control-plane-endpoint');
  if (v('kubernetes-version')) cluster.kubernetesVersion = v('kubernetes-version');
  const sans = listValue(flags, 'apiserver-cert-extra-sans');
  if (sans.length) cluster.apiServer = { certSANs: sans };
  return `${JSON.stringify(init)}\n---\n${JSON.stringify(cluster)}\n`;
}

async function runJoin(argv: string[], io: Output, layout: Layout): Promise<void> {
  const flags = parseFlags(argv, {
    values: ['token', 'discovery-token', 'tls-bootstrap-token', 'discovery-token-ca-cert-hash', 'node-name', 'cri-socket', 'ignore-preflight-errors', 'certificate-key', 'config', 'apiserver-advertise-address', 'apiserver-bind-port'],
    bools: ['discovery-token-unsafe-skip-ca-verification', 'control-plane', 'dry-run'],
  });
  const host = hostFacts();
  const configPath = lastValue(flags, 'config');
  if (configPath) {
    const mixed = [...flags.values.keys(), ...flags.bools].filter((f) => !['config', 'ignore-preflight-errors', 'dry-run', 'v'].includes(f));
    if (mixed.length > 0 || flags.args.length > 0) throw new KubeadmError(`can not mix '--config' with arguments [${[...flags.args, ...mixed].join(' ')}]`);
    const config = loadJoinConfigFile(configPath, host);
    for (const w of config.warnings) io.err(klogWarning(w.source, w.message));
    await joinNode({ ...config, hostname: host.hostname, ignorePreflightErrors: [...config.ignorePreflightErrors, ...listValue(flags, 'ignore-preflight-errors')] }, layout, io);
    return;
  }
  const token = lastValue(flags, 'discovery-token') ?? lastValue(flags, 'token') ?? '';
  await joinNode({
    endpoint: flags.args[0] ?? '',
    token,
    caCertHashes: listValue(flags, 'discovery-token-ca-cert-hash'),
    unsafeSkipCAVerification: flags.bools.has('discovery-token-unsafe-skip-ca-verification'),
    nodeName: (lastValue(flags, 'node-name') ?? host.hostname).toLowerCase(),
    hostname: host.hostname,
    criSocket: lastValue(flags, 'cri-socket') ?? 'unix:///var/run/containerd/containerd.sock',
    kubeletExtraArgs: [],
    ignorePreflightErrors: listValue(flags, 'ignore-preflight-errors'),
    controlPlane: flags.bools.has('control-plane'),
  }, layout, io);
}

async function runToken(argv: string[], io: Output, layout: Layout): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') throw new KubeadmError(sub ? `unknown command "${sub}" for "kubeadm token"` : 'missing subcommand; "token" is not meant to be run on its own');
  const flags = parseFlags(rest, {
    values: ['ttl', 'description', 'usages', 'groups', 'certificate-key', 'config'],
    bools: ['print-join-command'],
  });
  await tokenCreate({
    token: flags.args[0],
    kubeconfigPath: lastValue(flags, 'kubeconfig') ?? layout.adminConf,
    ttl: lastValue(flags, 'ttl') ?? '24h0m0s',
    description: lastValue(flags, 'description') ?? '',
    usages: flags.values.has('usages') ? listValue(flags, 'usages') : ['signing', 'authentication'],
    groups: flags.values.has('groups') ? listValue(flags, 'groups') : ['system:bootstrappers:kubeadm:default-node-token'],
    printJoinCommand: flags.bools.has('print-join-command'),
    certificateKey: lastValue(flags, 'certificate-key'),
  }, io.out);
}

async function runKubeconfig(argv: string[], io: Output): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'user') throw new KubeadmError(sub ? `unknown command "${sub}" for "kubeadm kubeconfig"` : 'missing subcommand; "kubeconfig" is not meant to be run on its own');
  const flags = parseFlags(rest, { values: ['client-name', 'org', 'validity-period', 'token', 'config'] });
  const host = hostFacts();
  const configPath = lastValue(flags, 'config');
  let config: InitConfig;
  if (configPath) {
    const loaded = loadInitConfigFile(configPath, host);
    for (const w of loaded.warnings) io.err(klogWarning(w.source, w.message));
    config = loaded.config;
  } else {
    config = parseInitConfig('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n', host).config;
  }
  io.out(kubeconfigUser({
    clientName: lastValue(flags, 'client-name'),
    orgs: listValue(flags, 'org'),
    validityPeriod: lastValue(flags, 'validity-period'),
    token: lastValue(flags, 'token'),
  }, config).trimEnd());
}

async function runReset(argv: string[], io: Output, layout: Layout): Promise<void> {
  const flags = parseFlags(argv, { values: ['cri-socket', 'ignore-preflight-errors', 'skip-phases', 'cert-dir', 'config'], bools: ['force', 'dry-run', 'cleanup-tmp-dir'], short: { f: 'force' } });
  if (!flags.bools.has('force')) {
    io.out('W: Using this command will reset the state of this node. Are you sure you want to proceed? [y/N]: ');
    let answer = '';
    try {
      answer = readFileSync(0, 'utf8').split('\n')[0] ?? '';
    } catch {
      answer = '';
    }
    if (!/^y(es)?$/i.test(answer.trim())) throw new KubeadmError('aborted reset operation');
  }
  reset(layout, io);
}

async function runCerts(argv: string[], io: Output): Promise<void> {
  const [sub] = argv;
  if (sub !== 'certificate-key') throw new KubeadmError(sub ? `unknown command "${sub}" for "kubeadm certs"` : 'missing subcommand; "certs" is not meant to be run on its own');
  parseFlags(argv.slice(1), {});
  io.out(newCertificateKey());
}

/** `kubeadm completion bash`: a bash completion of the commands the double has (the seed sources it). */
async function runCompletion(argv: string[], io: Output): Promise<void> {
  const [shell] = argv;
  if (shell !== 'bash') throw new KubeadmError(shell ? `unsupported shell type "${shell}"` : 'shell not specified.');
  io.out(`# bash completion for kubeadm (meshbook double)
_kubeadm() {
    local cur="\${COMP_WORDS[COMP_CWORD]}"
    local words="certs completion config init join kubeconfig reset token version"
    case "\${COMP_WORDS[1]}" in
        certs) words="certificate-key" ;;
        config) words="validate" ;;
        init) words="phase --config --skip-phases --upload-certs --ignore-preflight-errors" ;;
        join) words="--token --discovery-token-ca-cert-hash --config --ignore-preflight-errors" ;;
        kubeconfig) words="user --client-name --org --config" ;;
        token) words="create --print-join-command --ttl" ;;
        reset) words="--force" ;;
        version) words="--output" ;;
    esac
    COMPREPLY=( $(compgen -W "\${words}" -- "\${cur}") )
}
complete -o default -F _kubeadm kubeadm`);
}

/** `kubeadm config validate --config FILE`: the strict check init only warns about. */
async function runConfig(argv: string[], io: Output): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'validate') throw new KubeadmError(sub ? `unknown command "${sub}" for "kubeadm config"` : 'missing subcommand; "config" is not meant to be run on its own');
  const flags = parseFlags(rest, { values: ['config'], bools: ['allow-experimental-api'] });
  const path = lastValue(flags, 'config');
  if (!path) throw new KubeadmError('the --config flag is mandatory');
  loadInitConfigFile(path, hostFacts(), true);
  io.out('ok');
}

async function runVersion(argv: string[], io: Output): Promise<void> {
  const flags = parseFlags(argv, { values: ['output'], short: { o: 'output' } });
  const output = lastValue(flags, 'output') ?? '';
  switch (output) {
    case 'short': return io.out(KUBERNETES_VERSION);
    case 'json': return io.out(JSON.stringify({ clientVersion: VERSION_INFO }, null, 2));
    case 'yaml': return io.out(`clientVersion:\n${Object.entries(VERSION_INFO).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}`);
    case '': {
      const i = VERSION_INFO;
      return io.out(`kubeadm version: &version.Info{Major:"${i.major}", Minor:"${i.minor}", GitVersion:"${i.gitVersion}", GitCommit:"${i.gitCommit}", GitTreeState:"${i.gitTreeState}", BuildDate:"${i.buildDate}", GoVersion:"${i.goVersion}", Compiler:"${i.compiler}", Platform:"${i.platform}"}`);
    }
    default: throw new KubeadmError(`invalid output format: ${output}`);
  }
}

