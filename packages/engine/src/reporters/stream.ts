/** The part of a writable stream reporters need; `isTTY`/`columns` decide colours and live lines. */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}
