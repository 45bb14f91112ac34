import { describe, expect, it } from 'vitest';
import { copy } from '../copy.js';
import { validateShell } from './file-content.js';
import { textFile } from './file-state-fixtures.js';

describe('validate command', () => {
  it('puts the temp path in quoted at every %s; the rest is the user\'s command text', () => {
    const odd = "/etc/a b/.x'$(id).meshbook-validate.AbC123";
    const command = validateShell('sshd -t -f %s && test -s %s', odd);
    expect(command.text).toBe(`sshd -t -f '/etc/a b/.x'\\''$(id).meshbook-validate.AbC123' && test -s '/etc/a b/.x'\\''$(id).meshbook-validate.AbC123'`);
  });

  it('rides in the content payload, so apply reads it from there', () => {
    const params = copy.parse({ dest: '/etc/x', content: 'a=2\n', validate: 'visudo -cf %s' });
    const [change] = copy.definition.plan({ dest: textFile('/etc/x', 'a=1\n'), source: null }, params);
    expect(change?.kind).toBe('copy.content');
    expect((change?.payload as { validate?: string }).validate).toBe('visudo -cf %s');
  });
});
