// What every command gets: where to write, the environment, the parsed flags, and a way to open
// a client for a kubeconfig context (the current one, or a named one for --destination-context).
import { KubeClient } from './kube-client.js';
import { loadClusterAccess } from './kubeconfig.js';
import type { FlagValues } from './args.js';
import { defaultNamespace } from '../clustermesh/names.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export class CommandContext {
  constructor(
    readonly io: Io,
    readonly flags: FlagValues,
  ) {}

  get namespace(): string {
    return (this.flags.namespace as string) || this.io.env.CILIUM_NAMESPACE || defaultNamespace;
  }

  /** A client for `context` (default: --context, else the kubeconfig's current context). */
  client(context?: string): KubeClient {
    const name = context ?? (this.flags.context as string);
    const load = () =>
      loadClusterAccess({
        env: this.io.env,
        ...(this.flags.kubeconfig ? { kubeconfig: this.flags.kubeconfig as string } : {}),
        ...(name ? { context: name } : {}),
      });
    if (context !== undefined) return new KubeClient(load());
    // The own cluster's client, as cilium-cli's root command creates it before any command runs.
    try {
      return new KubeClient(load());
    } catch (err) {
      throw new FatalError(`unable to create Kubernetes client: ${(err as Error).message}`);
    }
  }

  /** cilium-cli's progress lines: stdout normally, stderr when stdout carries JSON. */
  log(line: string, toStderr = false): void {
    if (toStderr) this.io.err(line + '\n');
    else this.io.out(line + '\n');
  }
}

/** A failure the CLI reports as `Error: <message>` with exit code 1. */
export class FatalError extends Error {}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
