import { access, mkdir, rm } from 'node:fs/promises';
import { runTool } from './tools.js';

/** The repositories the lab signs, each with a key of its own, as in the real world. */
export const SIGNERS = {
  kubernetes: 'pkgs.k8s.io',
  helm: 'helm',
  docker: 'docker',
} as const;

export type Signer = keyof typeof SIGNERS;

const uid = (signer: Signer) => `meshbook lab ${SIGNERS[signer]} <${SIGNERS[signer]}@stand-ins.meshbook.test>`;
const email = (signer: Signer) => `${SIGNERS[signer]}@stand-ins.meshbook.test`;

/**
 * OpenPGP signing keys (ed25519) in a GnuPG home of the lab's or fleet's work dir, generated once
 * per lab (`lab up`) or fleet start, kept for a resumed lab. The secret keys never leave `home`.
 */
export class SigningKeys {
  private constructor(private readonly home: string) {}

  /** Whether `home` holds this lab's keys already. */
  static exist(home: string): Promise<boolean> {
    return access(`${home}/ready`).then(() => true, () => false);
  }

  static async ensure(home: string): Promise<SigningKeys> {
    const keys = new SigningKeys(home);
    if (!(await SigningKeys.exist(home))) {
      await rm(home, { recursive: true, force: true });
      await mkdir(home, { recursive: true, mode: 0o700 });
      try {
        for (const signer of Object.keys(SIGNERS) as Signer[]) {
          await keys.gpg(['--passphrase', '', '--quick-gen-key', uid(signer), 'ed25519', 'sign', '3y']);
        }
        await runTool('touch', [`${home}/ready`]);
      } finally {
        await keys.stopAgent();
      }
    }
    return keys;
  }

  /** The public key, ASCII-armored (what Release.key, signing.asc and Docker's gpg serve). */
  async armoredPublicKey(signer: Signer): Promise<string> {
    return this.gpg(['--armor', '--export', email(signer)]);
  }

  /** InRelease (clear-signed) and Release.gpg (detached, armored) for a Release file's text. */
  async sign(signer: Signer, release: string): Promise<{ inRelease: string; releaseGpg: string }> {
    try {
      const common = ['--local-user', email(signer), '--digest-algo', 'SHA256'];
      const inRelease = await this.gpg([...common, '--clearsign'], release);
      const releaseGpg = await this.gpg([...common, '--armor', '--detach-sign'], release);
      return { inRelease, releaseGpg };
    } finally {
      await this.stopAgent();
    }
  }

  private gpg(args: string[], input?: string): Promise<string> {
    return runTool('gpg', ['--batch', '--quiet', '--no-tty', '--pinentry-mode', 'loopback', ...args], {
      env: { GNUPGHOME: this.home },
      ...(input === undefined ? {} : { input }),
    });
  }

  /** gpg starts an agent per home; it must not outlive the operation (no stray processes). */
  private async stopAgent(): Promise<void> {
    await runTool('gpgconf', ['--kill', 'all'], { env: { GNUPGHOME: this.home } }).catch(() => {});
  }
}
