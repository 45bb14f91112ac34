import type { PathsLeft } from '../module/contract.js';
import { sameBecome } from '../module/facts.js';
import type { PrefetchGuard } from '../module/facts.js';
import type { Become } from '../transport/types.js';

/** Paths per guard at most: one missing is enough to skip, so the nearest earlier tasks' serve. */
export const GUARD_PATH_LIMIT = 32;

/**
 * The guards of a play's first prefetch batch on one host (PrefetchGuard), built while the batch's
 * tasks are walked in order: each single-use request gets the paths the tasks before it leave
 * existing, as the same user. A path any task of the play leaves absent is never a guard (a no-op
 * re-run would find it missing and skip the command every time). When a task that could leave a
 * path absent cannot be read here (a loop, params never known before it runs), no request is
 * guarded: the batch runs as it would without guards.
 */
export class PrefetchGuards {
  readonly #existing: Array<{ path: string; become: Become | undefined }> = [];
  readonly #absent: string[] = [];
  readonly #pending: Array<{ guard: { exist: string[] }; become: Become | undefined; upTo: number }> = [];
  #unknown = false;

  /** A task that will run, in order, with what it leaves (its module's `leaves` for its params). */
  task(left: PathsLeft | undefined, become: Become | undefined, options: { existingKnown: boolean } = { existingKnown: true }): void {
    if (!left) return;
    for (const path of left.absent ?? []) {
      if (!path.startsWith('/')) this.#unknown = true;
      else this.#absent.push(path);
    }
    if (!options.existingKnown) return;
    for (const path of left.existing ?? []) if (path.startsWith('/')) this.#existing.push({ path, become });
  }

  /** A task that may leave paths absent but whose params are not known here. */
  unknownTask(): void {
    this.#unknown = true;
  }

  /** The guard of a single-use request of the task about to be given to `task`; filled in by `finish`. */
  guardFor(become: Become | undefined): PrefetchGuard {
    const guard = { exist: [] as string[] };
    this.#pending.push({ guard, become, upTo: this.#existing.length });
    return guard;
  }

  /** Every guard handed out, filled in now that the whole play was seen. */
  finish(): void {
    if (this.#unknown) return;
    for (const { guard, become, upTo } of this.#pending) {
      const paths = new Set<string>();
      for (let i = upTo - 1; i >= 0 && paths.size < GUARD_PATH_LIMIT; i--) {
        const { path, become: by } = this.#existing[i]!;
        if (!sameBecome(by, become)) continue;
        // At or under a path the play removes: missing on every re-run. Above one (its directory): still there.
        if (this.#absent.some((absent) => atOrUnder(path, absent))) continue;
        paths.add(path);
      }
      guard.exist.push(...[...paths].reverse());
    }
  }
}

function atOrUnder(path: string, dir: string): boolean {
  const p = path.replace(/\/+$/, '') || '/';
  const d = dir.replace(/\/+$/, '') || '/';
  return p === d || d === '/' || p.startsWith(`${d}/`);
}
