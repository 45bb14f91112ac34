import { z } from 'zod';

/** What both WireGuard modules take to name the interface and its key file. */
export const interfaceParam = z
  .string()
  .regex(/^[a-zA-Z0-9_=+.-]{1,15}$/, 'an interface name of 1-15 letters, digits or _=+.-')
  .default('wg0');

export const privateKeyFileParam = z.string().startsWith('/', 'an absolute path').optional();

/** The key file defaults to /etc/wireguard/IFACE.key, where wg-quick's PostUp loads it from. */
export function withDefaultKeyFile<P extends { interface: string; privateKeyFile?: string | undefined }>(p: P): P & { privateKeyFile: string } {
  return { ...p, privateKeyFile: p.privateKeyFile ?? `/etc/wireguard/${p.interface}.key` };
}
