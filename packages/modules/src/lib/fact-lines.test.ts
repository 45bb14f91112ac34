import { describe, expect, it } from 'vitest';
import { decodeBase64Line, keyValueLines } from './fact-lines.js';

describe('fact script lines', () => {
  it('split at the first space only; a key alone has an empty value', () => {
    expect(keyValueLines('stat regular file|644|root\nabsent\nref abc\trefs/heads/main x\n')).toEqual([
      ['stat', 'regular file|644|root'],
      ['absent', ''],
      ['ref', 'abc\trefs/heads/main x'],
      ['', ''],
    ]);
  });

  it('base64 values come back as text, without the trailing newline the tool printed', () => {
    expect(decodeBase64Line(Buffer.from('/etc/a b\n').toString('base64'))).toBe('/etc/a b');
    expect(decodeBase64Line(Buffer.from('two\n\n').toString('base64'))).toBe('two\n');
    expect(decodeBase64Line('')).toBe('');
  });
});
