import { z } from 'zod';

/** What both WireGuard modules take to name the interface and its key file. */
export const interfaceParam = z
  .string()
  .regex(/^[a-zA-Z0-9_=+.-]{1,15}$/, 'an interface name of 1-15 letters, digits or _=+.-')
  .default('wg0');

/**
 * The key file's path goes into the config's PostUp line, which wg-quick `eval`s in bash after
 * replacing `%i` and cutting at `#`: only characters that mean nothing there are accepted.
 */
export const privateKeyFileParam = z
  .string()
  .startsWith('/', 'an absolute path')
  .regex(/^\/[A-Za-z0-9._+@/-]+$/, 'an absolute path of letters, digits and ._+@/- only (wg-quick evaluates it as shell text in PostUp)')
  .optional();

/** The key file defaults to /etc/wireguard/IFACE.key, where wg-quick's PostUp loads it from. */
export function withDefaultKeyFile<P extends { interface: string; privateKeyFile?: string | undefined }>(p: P): P & { privateKeyFile: string } {
  return { ...p, privateKeyFile: p.privateKeyFile ?? `/etc/wireguard/${p.interface}.key` };
}
