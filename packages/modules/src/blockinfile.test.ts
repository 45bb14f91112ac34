import { describe, expect, it } from 'vitest';
import { blockinfile } from './blockinfile.js';
import { absentFile, textFile } from './lib/file-state-fixtures.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const P = '/etc/profile';
const f = (content: string) => ({ file: textFile(P, content) });
const edit = (before: string | null, after: string) => [{ kind: 'blockinfile.content', target: P, content: { path: P, before, after } }];
const B = '# BEGIN MESHBOOK proxy';
const E = '# END MESHBOOK proxy';

describePlanFixtures(
  blockinfile,
  [
    { name: 'inserted at EOF', params: { path: P, name: 'proxy', block: 'a=1\nb=2\n' }, facts: f('x\n'), changes: edit('x\n', `x\n${B}\na=1\nb=2\n${E}\n`) },
    { name: 'same block → nothing', params: { path: P, name: 'proxy', block: 'a=1\nb=2' }, facts: f(`x\n${B}\na=1\nb=2\n${E}\ny\n`), changes: [] },
    { name: 'updated in place', params: { path: P, name: 'proxy', block: 'a=3' }, facts: f(`x\n${B}\na=1\nb=2\n${E}\ny\n`), changes: edit(`x\n${B}\na=1\nb=2\n${E}\ny\n`, `x\n${B}\na=3\n${E}\ny\n`) },
    { name: 'another name is another block', params: { path: P, name: 'other', block: 'o' }, facts: f(`${B}\na\n${E}\n`), changes: edit(`${B}\na\n${E}\n`, `${B}\na\n${E}\n# BEGIN MESHBOOK other\no\n# END MESHBOOK other\n`) },
    { name: 'removed', params: { path: P, name: 'proxy', state: 'absent' }, facts: f(`x\n${B}\na\n${E}\ny\n`), changes: edit(`x\n${B}\na\n${E}\ny\n`, 'x\ny\n') },
    { name: 'absent and not there → nothing', params: { path: P, name: 'proxy', state: 'absent' }, facts: f('x\n'), changes: [] },
    { name: 'absent file, state absent → nothing', params: { path: P, name: 'proxy', state: 'absent' }, facts: { file: absentFile(P) }, changes: [] },
    { name: 'create an absent file', params: { path: P, name: 'proxy', block: 'a', create: true }, facts: { file: absentFile(P) }, changes: edit(null, `${B}\na\n${E}\n`) },
    { name: 'custom marker', params: { path: P, name: 'n', block: 'a', marker: '// {mark} {name} //' }, facts: f(''), changes: edit('', '// BEGIN n //\na\n// END n //\n') },
    { name: 'insertbefore BOF', params: { path: P, name: 'proxy', block: 'a', insertbefore: 'BOF' }, facts: f('x\n'), changes: edit('x\n', `${B}\na\n${E}\nx\n`) },
    { name: 'insertafter a regex', params: { path: P, name: 'proxy', block: 'a', insertafter: '^x' }, facts: f('x\ny\n'), changes: edit('x\ny\n', `x\n${B}\na\n${E}\ny\n`) },
    { name: 'an existing block stays where it is despite insertbefore', params: { path: P, name: 'proxy', block: 'a', insertbefore: 'BOF' }, facts: f(`x\n${B}\na\n${E}\n`), changes: [] },
    { name: 'empty block removes the block, as Ansible', params: { path: P, name: 'proxy', block: '' }, facts: f(`x\n${B}\na\n${E}\n`), changes: edit(`x\n${B}\na\n${E}\n`, 'x\n') },
    { name: 'marker_begin/marker_end name the marks', params: { path: P, name: 'proxy', block: 'a', marker_begin: 'START', marker_end: 'STOP' }, facts: f('x\n'), changes: edit('x\n', 'x\n# START MESHBOOK proxy\na\n# STOP MESHBOOK proxy\n') },
    { name: 'empty block, none there → nothing', params: { path: P, name: 'proxy' }, facts: f('x\n'), changes: [] },
    { name: 'prepend_newline/append_newline: blank lines around a new block in the middle', params: { path: P, name: 'proxy', block: 'a', insertafter: '^x', prepend_newline: true, append_newline: true }, facts: f('x\ny\n'), changes: edit('x\ny\n', `x\n\n${B}\na\n${E}\n\ny\n`) },
    { name: 'prepend_newline/append_newline: nothing again once there', params: { path: P, name: 'proxy', block: 'a', insertafter: '^x', prepend_newline: true, append_newline: true }, facts: f(`x\n\n${B}\na\n${E}\n\ny\n`), changes: [] },
    { name: 'prepend_newline: none at the start of the file; append_newline: none at its end', params: { path: P, name: 'proxy', block: 'a', prepend_newline: true, append_newline: true }, facts: f(''), changes: edit('', `${B}\na\n${E}\n`) },
    { name: 'append_newline at EOF: no trailing blank line; prepend_newline adds one after text', params: { path: P, name: 'proxy', block: 'a', prepend_newline: true, append_newline: true }, facts: f('x\n'), changes: edit('x\n', `x\n\n${B}\na\n${E}\n`) },
    { name: 'prepend_newline on an existing block: the blank line is added before it', params: { path: P, name: 'proxy', block: 'a', prepend_newline: true }, facts: f(`x\n${B}\na\n${E}\ny\n`), changes: edit(`x\n${B}\na\n${E}\ny\n`, `x\n\n${B}\na\n${E}\ny\n`) },
    { name: 'append_newline: an existing blank line (CRLF) after the block counts', params: { path: P, name: 'proxy', block: 'a', append_newline: true }, facts: f(`${B}\na\n${E}\n\r\ny\n`), changes: [] },
    { name: 'state absent ignores the newline options, as Ansible', params: { path: P, name: 'proxy', state: 'absent', prepend_newline: true, append_newline: true }, facts: f(`x\n${B}\na\n${E}\ny\n`), changes: edit(`x\n${B}\na\n${E}\ny\n`, 'x\ny\n') },
    { name: 'mode only', params: { path: P, name: 'proxy', block: 'a', mode: '0600' }, facts: f(`${B}\na\n${E}\n`), changes: [{ kind: 'blockinfile.mode', target: P, after: '0600' }] },
  ],
  [
    { name: 'no name', params: { path: P, block: 'a' }, error: /blockinfile\.name/ },
    { name: 'a marker without {mark}', params: { path: P, name: 'x', marker: '# x' }, error: /blockinfile\.marker: a marker containing \{mark\}/ },
    { name: 'a name with a newline', params: { path: P, name: 'a\nb' }, error: /blockinfile\.name/ },
    { name: 'an unknown key', params: { path: P, name: 'x', content: 'a' }, error: /content/ },
  ],
);

describe('blockinfile refuses half a block', () => {
  const plan = (content: string) => () => blockinfile.definition.plan({ file: textFile(P, content) }, blockinfile.parse({ path: P, name: 'proxy', block: 'a' }));
  it('BEGIN without END', () => expect(plan(`${B}\na\n`)).toThrow(/found "# BEGIN MESHBOOK proxy" without "# END MESHBOOK proxy"/));
  it('END without BEGIN', () => expect(plan(`a\n${E}\n`)).toThrow(/without "# BEGIN/));
});
