import { createHash } from 'node:crypto';

/** Hex sha256 of text (UTF-8) or bytes: what files are compared and verified by. */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
