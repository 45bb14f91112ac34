import { EventEmitter } from 'node:events';
import type { CliIoOptions } from '../io.js';

export class MemoryStream {
  text = '';
  readonly isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** CLI IO with in-memory streams and a signal source the test can fire. */
export function testIo(cwd: string): CliIoOptions & { stdout: MemoryStream; stderr: MemoryStream; signals: EventEmitter } {
  return { stdout: new MemoryStream(), stderr: new MemoryStream(), cwd, env: { NO_COLOR: '1' }, signals: new EventEmitter() };
}
