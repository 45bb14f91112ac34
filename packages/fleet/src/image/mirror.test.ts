import { describe, expect, it } from 'vitest';
import { findMainArchive } from './mirror.js';

describe('findMainArchive', () => {
  it('reads the main archive from a deb822 .sources file, not the security one', () => {
    const text = [
      'Types: deb',
      'URIs: http://deb.debian.org/debian-security',
      'Suites: bookworm-security',
      '',
      'Types: deb',
      'URIs: http://mirror.example/debian/',
      'Suites: bookworm bookworm-updates',
    ].join('\n');
    expect(findMainArchive(text)).toBe('http://mirror.example/debian');
  });

  it('reads a one-line sources.list entry, options included', () => {
    expect(findMainArchive('deb [arch=amd64 signed-by=/k.gpg] https://ftp.example/debian bookworm main')).toBe(
      'https://ftp.example/debian',
    );
  });

  it('ignores third-party repositories', () => {
    expect(findMainArchive('deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main')).toBeUndefined();
  });
});
