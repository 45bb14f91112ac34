import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { interfaceParam, privateKeyFileParam, withDefaultKeyFile } from './params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';

const keyFact = defineFact<string, { state: 'missing' } | { state: 'malformed' } | { state: 'present'; publicKey: string; mode: string }>({
  name: 'wireguard.public-key',
  // The private key is read by `wg pubkey` on the host; only the public key crosses the wire.
  command: (file) => sh`if test -e ${file}; then stat -c %a ${file} && wg pubkey <${file} || exit 3; else exit 2; fi`,
  parse: (result) => {
    if (result.exitCode === 2) return { state: 'missing' };
    if (result.exitCode !== 0) return { state: 'malformed' };
    const [mode = '', publicKey = ''] = result.stdout.trim().split('\n');
    return { state: 'present', publicKey: publicKey.trim(), mode: mode.trim() };
  },
});

/** The wireguardKey task's params as written (an interface, so editors show each field's documentation). */
export interface WireguardKeyInput {
  /** The interface the key is for, 1-15 characters; names the default key file. Default 'wg0'. */
  interface?: string | undefined;
  /** Where the private key is kept (0600). Default /etc/wireguard/IFACE.key. */
  privateKeyFile?: string | undefined;
}

const keyParamsSchema = z
  .object({
    interface: interfaceParam,
    privateKeyFile: privateKeyFileParam,
  })
  .strict()
  .transform(withDefaultKeyFile);
const keyParams: DocumentedParams<typeof keyParamsSchema, WireguardKeyInput> = keyParamsSchema;

/** Generate the key, or set its mode: either way the key file. */
type KeyChange = Change<'wireguard.key' | 'wireguard.key-mode', { file: string }>;

/**
 * A WireGuard private key generated on the host (0600), where it stays. Output: the public key,
 * to share with peers as a cross-host value.
 */
export const wireguardKey = defineModule({
  name: 'wireguardKey',
  params: keyParams,
  facts: (params) => keyFact(params.privateKeyFile),
  plan(facts, params): KeyChange[] {
    if (facts.state === 'malformed') {
      throw new MeshbookError('MODULE_FAILED', `${params.privateKeyFile} exists but is not a WireGuard private key`, {
        hint: `move the file away (it is left untouched) or point privateKeyFile elsewhere`,
      });
    }
    if (facts.state === 'missing') {
      return [{ kind: 'wireguard.key', target: params.privateKeyFile, summary: 'generate a private key (0600, stays on the host)', payload: { file: params.privateKeyFile } }];
    }
    if (facts.mode !== '600') {
      return [{ kind: 'wireguard.key-mode', target: params.privateKeyFile, summary: `mode ${facts.mode} → 600`, payload: { file: params.privateKeyFile } }];
    }
    return [];
  },
  async apply(ctx, changes) {
    let file = '';
    for (const change of changes) {
      file = change.payload.file;
      if (change.kind === 'wireguard.key') {
        const tmp = `${file}.meshbook-new`;
        await ctx.exec(sh`umask 077 && mkdir -p -- "$(dirname -- ${file})" && wg genkey >${tmp} && mv -f -- ${tmp} ${file}`);
      } else {
        await ctx.exec(sh`chmod 600 -- ${file}`);
      }
    }
    const publicKey = (await ctx.exec(sh`wg pubkey <${file}`)).stdout.trim();
    return { publicKey };
  },
  output: (facts): { publicKey: string } => ({ publicKey: facts.state === 'present' ? facts.publicKey : '' }),
  invalidates: [keyFact],
});
