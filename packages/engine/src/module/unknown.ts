/**
 * A value that exists only after apply (a join command minted on another host, a generated key).
 * In check mode it stands where the value would be; reading it through `known()` throws
 * UnknownValueError, and the runner reports the task as a planned change "known after apply".
 */
export class KnownAfterApply {
  constructor(readonly description: string) {}
  toString(): string {
    return `(known after apply: ${this.description})`;
  }
  toJSON(): string {
    return this.toString();
  }
}

export class UnknownValueError extends Error {
  constructor(readonly description: string) {
    super(`known after apply: ${description}`);
    this.name = 'UnknownValueError';
  }
}

export function isKnownAfterApply(value: unknown): value is KnownAfterApply {
  return value instanceof KnownAfterApply;
}

/** Unwraps a value, throwing UnknownValueError when it only exists after apply. */
export function known<T>(value: T | KnownAfterApply): T {
  if (value instanceof KnownAfterApply) throw new UnknownValueError(value.description);
  return value;
}
