import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { GuardedOutput } from './guarded-output.js';

/** A pipe whose reader exits after `accepts` writes: the next write fails with EPIPE, as Node reports it (an 'error' event). */
class ClosingPipe extends EventEmitter {
  written: string[] = [];
  constructor(private accepts: number) {
    super();
  }
  write(chunk: string): boolean {
    if (this.accepts-- > 0) {
      this.written.push(chunk);
      return true;
    }
    process.nextTick(() => this.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
    return false;
  }
}

describe('GuardedOutput', () => {
  it('drops writes once the reader is gone, and says so once', async () => {
    const pipe = new ClosingPipe(1);
    const out = new GuardedOutput(pipe);
    const closed: string[] = [];
    out.onClosed((error) => closed.push((error as NodeJS.ErrnoException).code ?? '?'));
    out.write('first\n');
    out.write('second\n');
    await new Promise((resolve) => process.nextTick(resolve));
    out.write('third\n');
    expect(pipe.written).toEqual(['first\n']);
    expect(closed).toEqual(['EPIPE']);
    expect(out.closedBy?.message).toBe('write EPIPE');
    // A listener added later hears it at once.
    let late = false;
    out.onClosed(() => (late = true));
    expect(late).toBe(true);
  });

  it('treats a write that throws as closed', () => {
    const out = new GuardedOutput({
      write: () => {
        throw Object.assign(new Error('write EIO'), { code: 'EIO' });
      },
    });
    expect(out.write('x')).toBe(false);
    expect(out.closedBy?.message).toBe('write EIO');
  });

  it('passes isTTY and columns through', () => {
    expect(new GuardedOutput({ write: () => true, isTTY: true, columns: 120 })).toMatchObject({ isTTY: true, columns: 120 });
  });
});
