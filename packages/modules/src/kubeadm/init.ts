import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change, Secret } from '@meshbook/engine';
import { fileState } from '../lib/file-facts.js';
import { runWithProgress } from '../lib/progress.js';
import { DEFAULT_KUBEADM_CONFIG } from './config.js';
import { absolutePath, phaseName, preflightCheck } from './grammar.js';
import { kubeadmFailure, maskKubeadmOutput, parseCertificateKey } from './output.js';

/** kubeadm writes it in its kubeconfig phase: the marker of an initialised control-plane node. */
export const ADMIN_CONF = '/etc/kubernetes/admin.conf';

/** The kubeadmInit task's params as written (an interface, so editors show each field's documentation). */
export interface KubeadmInitInput {
  /** The configuration file (kubeadmConfig's path). Default /etc/kubernetes/kubeadm-config.yaml. */
  config?: string | undefined;
  /** Phases to skip: addon/kube-proxy when Cilium replaces kube-proxy. kubeadm --skip-phases. */
  skipPhases?: string[] | undefined;
  /** Upload the control-plane certificates (encrypted) for more control-plane nodes; the key is this task's output. Default false. */
  uploadCerts?: boolean | undefined;
  /** Preflight checks whose errors are only warnings ('all' for every one). kubeadm --ignore-preflight-errors. */
  ignorePreflightErrors?: string[] | undefined;
  /** How long init may take before it is stopped (kubeadm waits up to 4 minutes for the control plane). Default 900. */
  timeoutSeconds?: number | undefined;
}

const paramsSchema = z
  .object({
    config: absolutePath.default(DEFAULT_KUBEADM_CONFIG),
    skipPhases: z.array(phaseName).default([]),
    uploadCerts: z.boolean().default(false),
    ignorePreflightErrors: z.array(preflightCheck).default([]),
    timeoutSeconds: z.number().int().min(30).default(900),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeadmInitInput> = paramsSchema;

export type KubeadmInitChange = Change<
  'kubeadm_init.init',
  { config: string; skipPhases: string[]; uploadCerts: boolean; ignorePreflightErrors: string[] }
>;

export interface KubeadmInitOutput {
  /** This run initialised the node (false: it already was). */
  initialized: boolean;
  /** The key of the uploaded certificates (uploadCerts), valid two hours; null when not uploaded by this run. */
  certificateKey: Secret | null;
}

/**
 * `kubeadm init --config F` on a node that is not initialised yet (no /etc/kubernetes/admin.conf).
 * The bootstrap token init would print is withheld (--skip-token-print: kubeadmJoinCommand mints
 * fresh ones); the certificate key of --upload-certs is captured as a Secret. kubeadm's output
 * reaches errors only masked.
 */
export const kubeadmInit = defineModule({
  name: 'kubeadmInit',
  params,
  facts: () => ({ admin: fileState(ADMIN_CONF, 0) }),
  plan(facts, p): KubeadmInitChange[] {
    if (facts.admin.exists) return [];
    const flags = [p.skipPhases.length ? `--skip-phases=${p.skipPhases.join(',')}` : '', p.uploadCerts ? '--upload-certs' : ''].filter(Boolean).join(' ');
    return [
      {
        kind: 'kubeadm_init.init',
        target: initTarget(p.config),
        summary: `kubeadm init --config ${p.config}${flags ? ` ${flags}` : ''}`,
        before: 'not initialised',
        after: 'control plane initialised',
        payload: { config: p.config, skipPhases: p.skipPhases, uploadCerts: p.uploadCerts, ignorePreflightErrors: p.ignorePreflightErrors },
      },
    ];
  },
  async apply(ctx, changes, p): Promise<KubeadmInitOutput> {
    let certificateKey: Secret | null = null;
    for (const change of changes) {
      const { config, skipPhases, uploadCerts, ignorePreflightErrors } = change.payload;
      const words = ['--config', config, '--skip-token-print'];
      if (skipPhases.length) words.push(`--skip-phases=${skipPhases.join(',')}`);
      if (uploadCerts) words.push('--upload-certs');
      if (ignorePreflightErrors.length) words.push(`--ignore-preflight-errors=${ignorePreflightErrors.join(',')}`);
      const command = sh`kubeadm init ${words}`;
      ctx.progress(`kubeadm init on ${ctx.host} (takes a minute or more)`);
      const result = await runWithProgress(ctx, command, { timeoutMs: p.timeoutSeconds * 1000 }, maskKubeadmOutput);
      if (uploadCerts) certificateKey = parseCertificateKey(result.stdout);
      if (result.exitCode !== 0) throw kubeadmFailure(ctx.host, 'kubeadm init', command, result, initHint(maskKubeadmOutput(result.stderr)));
      if (uploadCerts && certificateKey === null) {
        throw new MeshbookError('MODULE_FAILED', 'kubeadm init --upload-certs succeeded but printed no certificate key this module can read', {
          host: ctx.host,
          command: command.display,
          hint: 'the node is initialised: mint a key with kubeadmJoinCommand (controlPlane: true) when a control-plane node joins',
        });
      }
    }
    return { initialized: true, certificateKey };
  },
  output: (): KubeadmInitOutput => ({ initialized: false, certificateKey: null }),
});

function initTarget(config: string): string {
  return `control plane (${config})`;
}

/** What to do about kubeadm's best-known init failures. */
function initHint(stderr: string): string | undefined {
  if (/unable to read config|no such file/i.test(stderr)) return 'write the configuration first (kubeadmConfig) at the path given as config';
  if (/\[ERROR (FileAvailable|DirAvailable|Port)-/.test(stderr)) {
    return 'the node holds another cluster\'s files or ports (a half-done init?): inspect it, then `kubeadm reset -f` on it and run again';
  }
  if (/Invalid value/.test(stderr)) return 'fix the value kubeadm names in the kubeadmConfig task';
  return undefined;
}
