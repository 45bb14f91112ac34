import { describe, expect, it } from 'vitest';
import { renderChangeDiff } from './module/diff.js';
import { MASK, redact, registerSecretText, secret } from './secret.js';

/** Issue 19, item 4: scrubbing gaps. Each test uses its own secret texts (the registry is process-wide). */
describe('redact', () => {
  it('replaces the longest secret first, so a short secret inside a longer one cannot leave part of it', () => {
    secret('pass');
    secret('password-for-db-9f3k');
    expect(redact('db: password-for-db-9f3k, other: pass')).toBe(`db: ${MASK}, other: ${MASK}`);
  });

  it('scrubs a multi-line secret (a PEM key) from a diff, line by line after the +/- prefixes', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(2)}\n${'BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj'.repeat(2)}\n-----END PRIVATE KEY-----\n`;
    secret(pem);
    const diff = renderChangeDiff({ kind: 'file.content', target: '/etc/key.pem', summary: 'update', content: { path: '/etc/key.pem', before: null, after: `# key\n${pem}` } });
    expect(diff).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(diff).not.toContain('BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj');
    expect(diff).toContain('+# key');
    // The same key's lines arriving one by one (progress output) are scrubbed too.
    expect(redact(`got ${'BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj'.repeat(2)}`)).toBe(`got ${MASK}`);
  });

  it('scrubs a secret shorter than 4 characters where it stands as a whole token, never inside other words', () => {
    secret('z9q');
    expect(redact('token z9q accepted; z9qx and xz9q stay')).toBe(`token ${MASK} accepted; z9qx and xz9q stay`);
    expect(redact("'z9q'")).toBe(`'${MASK}'`);
  });

  it('recognises secret text reshaped by shell quoting and JSON escaping', () => {
    secret("it's-a-s3cret");
    expect(redact(`sh: 1: 'it'\\''s-a-s3cret': not found`)).not.toContain('s-a-s3cret');
    registerSecretText('two\nline-s3cret');
    expect(redact('{"token":"two\\nline-s3cret"}')).toBe(`{"token":"${MASK}"}`);
  });
});
