import { describe, expect, it } from 'vitest';
import type { AnyModule } from '@meshbook/engine';
import { copy } from './copy.js';
import { file } from './file.js';
import { lineinfile } from './lineinfile.js';
import { modprobe } from './modprobe.js';
import { sysctl } from './sysctl.js';
import { template } from './template.js';

/** What a module's `leaves` says for raw params, parsed as a task's would be. */
const leaves = (module: AnyModule, params: unknown) => module.definition.leaves?.(module.parse(params));

describe('what a successful task leaves on the host (ModuleDefinition.leaves)', () => {
  it('copy and template: their dest', () => {
    expect(leaves(copy, { dest: '/etc/app.conf', content: 'x' })).toEqual({ existing: ['/etc/app.conf'] });
    expect(leaves(copy, { dest: '/etc/app.conf', content: 'x', force: false })).toEqual({ existing: ['/etc/app.conf'] });
    expect(leaves(template, { dest: '/etc/t.conf', src: '/nowhere.tmpl' })).toEqual({ existing: ['/etc/t.conf'] });
  });

  it('file: a directory or a touched file exists, absent is absent; a link (its target may be missing) and state file say nothing', () => {
    expect(leaves(file, { path: '/etc/d', state: 'directory' })).toEqual({ existing: ['/etc/d'] });
    expect(leaves(file, { path: '/etc/t', state: 'touch' })).toEqual({ existing: ['/etc/t'] });
    expect(leaves(file, { path: '/etc/x', state: 'absent' })).toEqual({ absent: ['/etc/x'] });
    expect(leaves(file, { path: '/etc/l', state: 'link', src: '/missing' })).toEqual({});
    expect(leaves(file, { path: '/etc/f', state: 'file' })).toEqual({});
  });

  it('lineinfile: the file only with create, state present and no backrefs', () => {
    expect(leaves(lineinfile, { path: '/etc/fstab', line: 'x', create: true })).toEqual({ existing: ['/etc/fstab'] });
    expect(leaves(lineinfile, { path: '/etc/fstab', line: 'x' })).toEqual({ existing: [] });
    expect(leaves(lineinfile, { path: '/etc/fstab', regexp: '^a', line: 'b', backrefs: true, create: true })).toEqual({ existing: [] });
    expect(leaves(lineinfile, { path: '/etc/fstab', regexp: '^a', state: 'absent', create: true })).toEqual({ existing: [] });
  });

  it('sysctl and modprobe: their persisted file, as named on the host', () => {
    expect(leaves(sysctl, { values: { 'net.ipv4.ip_forward': '1' }, file: 'k8s' })).toEqual({ existing: ['/etc/sysctl.d/k8s.conf'] });
    expect(leaves(sysctl, { values: { 'net.ipv4.ip_forward': '1' } })).toEqual({ existing: [] });
    expect(leaves(modprobe, { name: ['overlay'], persist: 'k8s.conf' })).toEqual({ existing: ['/etc/modules-load.d/k8s.conf'] });
  });
});
