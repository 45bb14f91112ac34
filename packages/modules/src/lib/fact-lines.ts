/**
 * The output of a fact script that prints one `key value` line per thing it found (file-facts,
 * git-facts, authorized-key-facts): each line split at its first space, in order. A line without
 * a space is a key alone (`absent`), with an empty value.
 */
export function keyValueLines(stdout: string): Array<[key: string, value: string]> {
  return stdout.split('\n').map((line) => {
    const space = line.indexOf(' ');
    return space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)];
  });
}

/** A value the script framed in base64 (any byte survives), as text without the newline the tool printed after it (readlink, git config). */
export function decodeBase64Line(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8').replace(/\n$/, '');
}
