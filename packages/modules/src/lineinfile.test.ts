import { describe, expect, it } from 'vitest';
import { lineinfile } from './lineinfile.js';
import { absentFile, directory, largeFile, textFile } from './lib/file-state-fixtures.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const P = '/etc/ssh/sshd_config';
const f = (content: string) => ({ file: textFile(P, content) });
const edit = (before: string | null, after: string) => [{ kind: 'lineinfile.content', target: P, content: { path: P, before, after } }];

describePlanFixtures(
  lineinfile,
  [
    { name: 'line already there → nothing', params: { path: P, line: 'PermitRootLogin no' }, facts: f('a\nPermitRootLogin no\nb\n'), changes: [] },
    { name: 'appended at EOF by default', params: { path: P, line: 'X 1' }, facts: f('a\nb\n'), changes: edit('a\nb\n', 'a\nb\nX 1\n') },
    { name: 'appended to a file without a final newline', params: { path: P, line: 'X 1' }, facts: f('a\nb'), changes: edit('a\nb', 'a\nb\nX 1\n') },
    { name: 'a file without a final newline is left alone when the line is there', params: { path: P, line: 'b' }, facts: f('a\nb'), changes: [] },
    { name: 'regexp: last match replaced', params: { path: P, regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' }, facts: f('#PermitRootLogin yes\nx\nPermitRootLogin yes\n'), changes: edit('#PermitRootLogin yes\nx\nPermitRootLogin yes\n', '#PermitRootLogin yes\nx\nPermitRootLogin no\n') },
    { name: 'regexp with firstmatch: first match replaced', params: { path: P, regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no', firstmatch: true }, facts: f('#PermitRootLogin yes\nPermitRootLogin yes\n'), changes: edit('#PermitRootLogin yes\nPermitRootLogin yes\n', 'PermitRootLogin no\nPermitRootLogin yes\n') },
    { name: 'search_string: last line containing it replaced, no pattern syntax', params: { path: P, search_string: 'a.b(', line: 'x=1' }, facts: f('a.b( 1\naxb( 2\na.b( 3\n'), changes: edit('a.b( 1\naxb( 2\na.b( 3\n', 'a.b( 1\naxb( 2\nx=1\n') },
    { name: 'search_string absent: every line containing it removed', params: { path: P, search_string: '[x]', state: 'absent' }, facts: f('a[x]\nx\n[x]b\n'), changes: edit('a[x]\nx\n[x]b\n', 'x\n') },
    { name: 'search_string no match → inserted', params: { path: P, search_string: 'Port ', line: 'Port 2222' }, facts: f('a\n'), changes: edit('a\n', 'a\nPort 2222\n') },
    { name: 'regexp matches the wanted line → nothing', params: { path: P, regexp: '^PermitRootLogin', line: 'PermitRootLogin no' }, facts: f('PermitRootLogin no\n'), changes: [] },
    { name: 'regexp no match, line present elsewhere → nothing', params: { path: P, regexp: '^Nope', line: 'b' }, facts: f('a\nb\n'), changes: [] },
    { name: 'regexp no match → inserted', params: { path: P, regexp: '^Port ', line: 'Port 2222' }, facts: f('a\n'), changes: edit('a\n', 'a\nPort 2222\n') },
    { name: 'insertafter: after the last match', params: { path: P, line: 'new', insertafter: '^\\[main\\]' }, facts: f('[main]\na\n[main]\nb\n'), changes: edit('[main]\na\n[main]\nb\n', '[main]\na\n[main]\nnew\nb\n') },
    { name: 'insertafter: no match → EOF', params: { path: P, line: 'new', insertafter: '^nomatch' }, facts: f('a\n'), changes: edit('a\n', 'a\nnew\n') },
    { name: 'insertbefore: before the last match', params: { path: P, line: 'new', insertbefore: '^b' }, facts: f('a\nb\n'), changes: edit('a\nb\n', 'a\nnew\nb\n') },
    { name: 'insertbefore: BOF', params: { path: P, line: '# managed', insertbefore: 'BOF' }, facts: f('a\n'), changes: edit('a\n', '# managed\na\n') },
    { name: 'absent: every equal line removed', params: { path: P, line: 'x', state: 'absent' }, facts: f('x\na\nx\n'), changes: edit('x\na\nx\n', 'a\n') },
    { name: 'absent: every regexp match removed', params: { path: P, regexp: '^#', state: 'absent' }, facts: f('#1\na\n# 2\n'), changes: edit('#1\na\n# 2\n', 'a\n') },
    { name: 'absent: nothing matching → nothing', params: { path: P, line: 'x', state: 'absent' }, facts: f('a\n'), changes: [] },
    { name: 'absent on an absent file → nothing', params: { path: P, line: 'x', state: 'absent' }, facts: { file: absentFile(P) }, changes: [] },
    { name: 'create: absent file created with the line', params: { path: P, line: 'x', create: true, mode: '0600' }, facts: { file: absentFile(P) }, changes: [{ kind: 'lineinfile.content', target: P, content: { path: P, before: null, after: 'x\n' } }] },
    { name: 'line there, mode differs', params: { path: P, line: 'x', mode: '0600' }, facts: f('x\n'), changes: [{ kind: 'lineinfile.mode', target: P, before: '0644', after: '0600' }] },
    { name: 'CRLF line endings: an equal line matches', params: { path: P, line: 'a' }, facts: f('a\r\nb\r\n'), changes: [] },
    { name: "metacharacters in line and regexp", params: { path: P, line: "x='$(id)' `uname`; echo \"hi\" ünï", regexp: '^x=' }, facts: f('x=1\n'), changes: edit('x=1\n', "x='$(id)' `uname`; echo \"hi\" ünï\n") },
    { name: 'backrefs: \\1 and \\g<1> filled from the last match, $1 literal', params: { path: P, regexp: '^Port (\\d+)', line: 'Port \\1 # \\g<1> $1', backrefs: true }, facts: f('Port 22\nPort 2222\n'), changes: edit('Port 22\nPort 2222\n', 'Port 22\nPort 2222 # 2222 $1\n') },
    { name: 'backrefs: firstmatch fills from the first match', params: { path: P, regexp: '^Port (\\d+)', line: 'Port \\1 kept', backrefs: true, firstmatch: true }, facts: f('Port 22\nPort 2222\n'), changes: edit('Port 22\nPort 2222\n', 'Port 22 kept\nPort 2222\n') },
    { name: 'backrefs: a named group, \\\\ and \\t', params: { path: P, regexp: '^(?<key>\\w+)=(.*)$', line: '\\g<key>\\t\\\\ \\2', backrefs: true }, facts: f('a=b c\n'), changes: edit('a=b c\n', 'a\t\\ b c\n') },
    { name: 'backrefs: a group that took no part is empty', params: { path: P, regexp: '^x(y)?(z)', line: '[\\1|\\2]', backrefs: true }, facts: f('xz\n'), changes: edit('xz\n', '[|z]\n') },
    { name: 'backrefs: the filled line is already there → nothing', params: { path: P, regexp: '^(Port) (\\d+)$', line: '\\1 \\2', backrefs: true }, facts: f('Port 22\n'), changes: [] },
    { name: 'backrefs: no match → nothing, even with insertafter (as Ansible)', params: { path: P, regexp: '^Nope (\\d+)', line: 'Nope \\1', backrefs: true, insertafter: 'EOF' }, facts: f('a\n'), changes: [] },
    { name: 'backrefs: no match on a missing file with create → nothing created', params: { path: P, regexp: '^Nope (\\d+)', line: 'Nope \\1', backrefs: true, create: true }, facts: { file: absentFile(P) }, changes: [] },
    { name: 'backrefs: CRLF file matched without its CR', params: { path: P, regexp: '^Port (\\d+)$', line: 'Port \\1 x', backrefs: true }, facts: f('Port 22\r\n'), changes: edit('Port 22\r\n', 'Port 22 x\n') },
    { name: 'a line starting with a dash', params: { path: P, line: '-n -e' }, facts: f(''), changes: edit('', '-n -e\n') },
  ],
  [
    { name: 'present without line', params: { path: P, regexp: '^x' }, error: /lineinfile\.line: line is required/ },
    { name: 'neither line nor regexp', params: { path: P, state: 'absent' }, error: /give line, regexp or search_string/ },
    { name: 'regexp and search_string', params: { path: P, line: 'a', regexp: 'a', search_string: 'a' }, error: /lineinfile\.search_string: give at most one/ },
    { name: 'a line with a newline', params: { path: P, line: 'a\nb' }, error: /a single line/ },
    { name: 'an invalid regexp', params: { path: P, line: 'a', regexp: '(' }, error: /lineinfile\.regexp: a valid JavaScript regular expression/ },
    { name: "Python's (?i): the hint gives the JavaScript way", params: { path: P, line: 'a', regexp: '(?i)^port' }, error: /lineinfile\.regexp: a JavaScript regular expression: a leading inline flag such as \(\?i\) is Python syntax.*\[Pp\]ort/ },
    { name: "Python's (?P<name>): the hint gives (?<name>)", params: { path: P, line: 'a', insertafter: '(?P<k>x)' }, error: /lineinfile\.insertafter.*JavaScript writes \(\?<name>/ },
    { name: 'both insertafter and insertbefore', params: { path: P, line: 'a', insertafter: 'EOF', insertbefore: 'BOF' }, error: /at most one of insertafter/ },
    { name: 'an unknown key', params: { path: P, line: 'a', backref: true }, error: /backref/ },
    { name: 'backrefs without regexp', params: { path: P, line: 'a', backrefs: true }, error: /lineinfile\.backrefs: backrefs needs regexp and state present/ },
    { name: 'backrefs with search_string', params: { path: P, line: 'a', search_string: 'a', backrefs: true }, error: /lineinfile\.backrefs: backrefs needs regexp/ },
    { name: 'backrefs with state absent', params: { path: P, regexp: 'a', state: 'absent', backrefs: true }, error: /lineinfile\.backrefs/ },
    { name: 'backrefs: a group the regexp lacks', params: { path: P, regexp: '^(a)', line: '\\2', backrefs: true }, error: /lineinfile\.line: backrefs: line refers to group 2, but regexp has 1 group/ },
    { name: 'backrefs: a name the regexp lacks', params: { path: P, regexp: '^(?<k>a)', line: '\\g<v>', backrefs: true }, error: /lineinfile\.line: backrefs: line refers to group "v", but regexp names k/ },
    { name: 'backrefs: \\n would split the line', params: { path: P, regexp: 'a', line: 'x\\ny', backrefs: true }, error: /\\n would split the line/ },
    { name: 'backrefs: an unknown letter escape', params: { path: P, regexp: 'a', line: '\\d', backrefs: true }, error: /\\d is not an escape/ },
    { name: 'backrefs: a lone backslash at the end', params: { path: P, regexp: 'a', line: 'x\\', backrefs: true }, error: /lone backslash/ },
  ],
);

describe('lineinfile plan failures', () => {
  const plan = (params: unknown, file: unknown) => () => lineinfile.definition.plan({ file } as never, lineinfile.parse(params));
  it('an absent file without create', () => expect(plan({ path: P, line: 'x' }, absentFile(P))).toThrow(/does not exist.*/));
  it('a directory', () => expect(plan({ path: P, line: 'x' }, directory(P))).toThrow(/is a directory/));
  it('a file too large or binary to edit', () => expect(plan({ path: P, line: 'x' }, largeFile(P, 'x'))).toThrow(/not a text file/));
});
