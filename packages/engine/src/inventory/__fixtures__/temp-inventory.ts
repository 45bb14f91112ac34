import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes `files` (relative path -> text) into a fresh temp directory and returns its path. */
export async function tempInventory(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'meshbook-inventory-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** The error a promise rejects with, so a test can assert on code and message. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; hint?: string };
  }
  throw new Error('expected the promise to reject');
}

export function thrown(fn: () => unknown): Error & { code?: string; hint?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string; hint?: string };
  }
  throw new Error('expected the call to throw');
}
