import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownAfterApply, LocalTransport, MeshbookError, Secret, renderDiff } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { absentFile, symlink, textFile } from './lib/file-state-fixtures.js';
import { renderTemplate, template } from './template.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const D = '/etc/app.conf';
const inline = (dest = absentFile(D)) => ({ dest, source: null });

describePlanFixtures(
  template,
  [
    { name: 'inline template rendered into an absent file', params: { dest: D, template: 'port={{port}}\n', vars: { port: 80 } }, facts: inline(), changes: [{ kind: 'template.content', target: D, content: { path: D, before: null, after: 'port=80\n' } }] },
    { name: 'rendered text already there → nothing', params: { dest: D, template: 'port={{port}}\n', vars: { port: 80 } }, facts: inline(textFile(D, 'port=80\n')), changes: [] },
    { name: 'no HTML escaping', params: { dest: D, template: '{{v}}\n', vars: { v: '<a & "b">' } }, facts: inline(textFile(D, '<a & "b">\n')), changes: [] },
    { name: 'each over a list', params: { dest: D, template: '{{#each peers}}{{name}} {{ip}}\n{{/each}}', vars: { peers: [{ name: 'a', ip: '10.0.0.1' }, { name: 'b', ip: '10.0.0.2' }] } }, facts: inline(textFile(D, 'a 10.0.0.1\n')), changes: [{ kind: 'template.content', target: D, content: { path: D, before: 'a 10.0.0.1\n', after: 'a 10.0.0.1\nb 10.0.0.2\n' } }] },
    { name: 'src template read in gather', params: { dest: D, src: 'templates/app.hbs', vars: { x: 1 } }, facts: { dest: absentFile(D), source: { path: 'templates/app.hbs', text: 'x={{x}}\n' } }, changes: [{ kind: 'template.content', target: D, content: { path: D, before: null, after: 'x=1\n' } }] },
    { name: 'mode differs only', params: { dest: D, template: 'a\n', mode: '0640' }, facts: inline(textFile(D, 'a\n')), changes: [{ kind: 'template.mode', target: D, after: '0640' }] },
    { name: 'a KnownAfterApply var renders as its description (check mode)', params: { dest: D, template: 'join: {{cmd}}\n', vars: { cmd: new KnownAfterApply('join command') } }, facts: inline(), changes: [{ kind: 'template.content', target: D, content: { path: D, before: null, after: 'join: (known after apply: join command)\n' } }] },
    { name: 'a Secret in vars that is used → sensitive', params: { dest: D, template: 'key={{key}}\n', vars: { key: new Secret('wg-private-key-xyz') } }, facts: inline(textFile(D, 'key=old\n')), changes: [{ kind: 'template.content', target: D, sensitive: true }] },
    { name: 'a Secret in vars that is not used → plain diff', params: { dest: D, template: 'port={{port}}\n', vars: { port: 1, key: new Secret('unused-secret') } }, facts: inline(), changes: [{ kind: 'template.content', target: D, content: { path: D, before: null, after: 'port=1\n' } }] },
    { name: 'follow false (default, as Ansible): a symlink at dest is replaced', params: { dest: D, template: 'a\n' }, facts: inline(symlink(D, 'real.conf', { ...textFile('/etc/real.conf', 'a\n'), isLink: true, linkTarget: 'real.conf', path: D })), changes: [{ kind: 'template.content', target: D, before: 'symlink → real.conf', payload: expect.objectContaining({ realPath: D }) }] },
    { name: 'follow true: rendered through the link; same text → nothing', params: { dest: D, template: 'a\n', follow: true }, facts: inline(symlink(D, 'real.conf', { ...textFile('/etc/real.conf', 'a\n'), isLink: true, linkTarget: 'real.conf', path: D })), changes: [] },
  ],
  [
    { name: 'both src and template', params: { dest: D, src: 'a', template: 'b' }, error: /template\.src: give exactly one of src or template/ },
    { name: 'neither src nor template', params: { dest: D }, error: /give exactly one/ },
    { name: 'vars not an object', params: { dest: D, template: '', vars: [1] }, error: /template\.vars/ },
    { name: 'an unknown key', params: { dest: D, template: '', variables: {} }, error: /variables/ },
  ],
);

describe('template rendering', () => {
  it('an undefined variable names the variable, the template and the line', () => {
    const params = template.parse({ dest: D, src: 'templates/kubeadm.yaml.hbs', vars: { a: 1 } });
    const facts = { dest: absentFile(D), source: { path: 'templates/kubeadm.yaml.hbs', text: 'a: {{a}}\nb: {{podSubnet}}\n' } };
    expect(() => template.definition.plan(facts, params)).toThrow(/template templates\/kubeadm\.yaml\.hbs: undefined variable "podSubnet" at line 2/);
    try {
      template.definition.plan(facts, params);
    } catch (error) {
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).code).toBe('BAD_INPUT');
    }
  });
  it('a nested undefined variable inside each', () => {
    expect(() => renderTemplate('inline template', 'x\n{{#each l}}\n{{this.nope}}\n{{/each}}', { l: [{}] })).toThrow(/undefined variable "nope" at line 3/);
  });
  it('a syntax error names the template', () => {
    expect(() => renderTemplate('t.hbs', '{{#if a}}x{{/fi}}', { a: 1 })).toThrow(/template t\.hbs.*if doesn't match fi/);
  });
  it('a used secret never reaches the change or its diff', () => {
    const changes = template.definition.plan(inline(textFile(D, 'key=old\n')), template.parse({ dest: D, template: 'key={{key}}\n', vars: { key: new Secret('canary-tpl-93af') } })) as Change[];
    expect(JSON.stringify(changes)).not.toContain('canary-tpl-93af');
    expect(renderDiff(changes)).not.toContain('canary-tpl-93af');
  });
  it('gather reads src from the controller; a missing src is a BAD_INPUT error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mb-tpl-'));
    await writeFile(join(dir, 't.hbs'), 'v={{v}}\n');
    const result = await template.run(new LocalTransport(), { dest: join(dir, 'out'), src: join(dir, 't.hbs'), vars: { v: 'x' } }, { check: true });
    expect(result.changes[0]).toMatchObject({ kind: 'template.content', content: { after: 'v=x\n' } });
    await expect(template.run(new LocalTransport(), { dest: join(dir, 'out'), src: join(dir, 'missing.hbs') }, { check: true })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
  it('applying with a KnownAfterApply var is a KNOWN_AFTER_APPLY error', async () => {
    await expect(template.run(new LocalTransport(), { dest: '/nonexistent-meshbook/x', template: '{{a}}', vars: { a: new KnownAfterApply('a') } })).rejects.toMatchObject({ code: 'KNOWN_AFTER_APPLY' });
  });
});
