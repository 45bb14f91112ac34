import { describe, expect, it } from 'vitest';
import { rejection, tempInventory } from './__fixtures__/temp-inventory.js';
import { shellWords } from './ini-file.js';
import { loadInventory } from './load.js';
import { parsePythonLiteral } from './python-literal.js';

describe('INI inventory values are Python literals, as Ansible reads them', () => {
  it.each([
    ['3', 3],
    ['-3', -3],
    ['1.5', 1.5],
    ['0x1f', 31],
    ['1_000', 1000],
    ['True', true],
    ['None', null],
    ["'text'", 'text'],
    ['[1, "a", (2, 3)]', [1, 'a', [2, 3]]],
    ["{'a': 1}", { a: 1 }],
    ['10  # seconds', 10],
  ])('%s is %j', (text, value) => {
    expect(parsePythonLiteral(text)).toEqual(value);
  });

  it.each(['yes', 'true', '010', '/usr/bin/python3', '10.0.0.1', '1.2.3', 'a b', '[1,', ''])('%s stays the text', (text) => {
    expect(parsePythonLiteral(text)).toBe(text);
  });
});

describe('host lines split as Python shlex splits them', () => {
  it('removes quotes, honours backslashes and stops at #', () => {
    expect(shellWords(`web1 "motd=hello world" path='/a b' x=a\\ b # a comment`)).toEqual(['web1', 'motd=hello world', 'path=/a b', 'x=a b']);
  });
});

describe('INI inventory errors name the file and line', () => {
  it('refuses an unknown section type, vars for a group never defined and a bad line', async () => {
    const dir = await tempInventory({ hosts: '[web]\nw1\n[web:groups]\nw2\n[db:vars]\nx=1\n[web:vars]\nnot a var\n' });
    const error = await rejection(loadInventory(dir));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain(`${dir}/hosts:3: [web:groups]: section type "groups" is unknown`);
    expect(error.message).toContain(`${dir}/hosts:5: [db:vars]: vars for group "db", which is not defined in this file`);
    expect(error.message).toContain(`${dir}/hosts:8: [web:vars]: expected key=value, got "not a var"`);
  });

  it('refuses an unclosed quote and a bad range', async () => {
    const dir = await tempInventory({ hosts: 'w1 motd="hello\nweb[3:1]\n' });
    const error = await rejection(loadInventory(dir));
    expect(error.message).toContain(`${dir}/hosts:1: w1 motd="hello: no closing quotation`);
    expect(error.message).toContain(`${dir}/hosts:2: web[3:1]: bad host range: range start 3 is after its end 1`);
  });

  it('names the line of a child group that closes a cycle', async () => {
    const dir = await tempInventory({ hosts: '[a:children]\nb\n[b:children]\na\n' });
    const error = await rejection(loadInventory(dir));
    expect(error.message).toMatch(/hosts:\d: \[\w:children\]: group "\w" is its own ancestor/);
  });

  it('checks connection vars where they are written', async () => {
    const dir = await tempInventory({ hosts: '[web]\nw1 ansible_port=ssh\n' });
    const error = await rejection(loadInventory(dir));
    expect(error.message).toContain(`${dir}/hosts:2: w1.ansible_port`);
  });

  it('refuses a directory with two hosts files', async () => {
    const dir = await tempInventory({ hosts: 'w1\n', 'hosts.yaml': 'all:\n' });
    expect((await rejection(loadInventory(dir))).message).toMatch(/both hosts.yaml and hosts/);
  });
});
