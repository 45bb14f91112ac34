import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/**
 * The Debian mirror this machine already uses (the only one CI may reach), read from apt's
 * sources. MESHBOOK_DEBIAN_MIRROR overrides it.
 */
export function debianMirror(): string {
  const override = process.env.MESHBOOK_DEBIAN_MIRROR;
  if (override) return override;
  for (const text of aptSourceTexts()) {
    const mirror = findMainArchive(text);
    if (mirror) return mirror;
  }
  return FALLBACK_MIRROR;
}

function aptSourceTexts(): string[] {
  const texts: string[] = [];
  const read = (path: string) => {
    try {
      texts.push(readFileSync(path, 'utf8'));
    } catch {
      // a missing sources file is normal (deb822-only systems have no sources.list)
    }
  };
  read('/etc/apt/sources.list');
  try {
    for (const file of readdirSync('/etc/apt/sources.list.d').sort()) read(join('/etc/apt/sources.list.d', file));
  } catch {
    // no sources.list.d
  }
  return texts;
}

/** The main archive, not -security or a third-party repo: a URI whose path ends in /debian. */
export function findMainArchive(text: string): string | undefined {
  const uris = [
    ...[...text.matchAll(/^\s*URIs:\s*(.+)$/gm)].flatMap((m) => (m[1] ?? '').trim().split(/\s+/)),
    ...[...text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1] ?? ''),
  ];
  return uris.find((uri) => /^https?:\/\/\S+\/debian\/?$/.test(uri))?.replace(/\/$/, '');
}
