import { describe, expect, it } from 'vitest';
import { block, listTasks, task } from '@meshbook/engine';
import type { Playbook } from '@meshbook/engine';
import { command } from '@meshbook/modules';
import { renderTaskList } from './listings.js';
import { playbookTags, startAtTask } from './tags-and-start.js';

const run = (name: string, tags?: string[]) => task(command, { argv: ['true'] }, { name, ...(tags ? { tags } : {}) });

const playbook: Playbook = {
  name: 'pb',
  plays: [
    {
      name: 'site',
      hosts: 'all',
      tasks: [
        run('first'),
        block('install', [run('fetch'), block('unpack', [run('extract')]), run('link')], {
          tags: ['install'],
          rescue: [run('clean up', ['cleanup'])],
          always: [run('report')],
        }),
        run('last'),
      ],
    },
  ],
};

describe('blocks in listings and --start-at-task', () => {
  it('--list-tasks indents a block\'s tasks under it, rescue and always under their headers', () => {
    expect(renderTaskList('site.ts', playbook, listTasks(playbook))).toBe(
      [
        '',
        'playbook: site.ts',
        '',
        '  play #1 (all): site',
        '    tasks:',
        '      first\tTAGS: []',
        '      block: install',
        '        fetch\tTAGS: [install]',
        '        block: unpack',
        '          extract\tTAGS: [install]',
        '        link\tTAGS: [install]',
        '      rescue:',
        '        clean up\tTAGS: [install, cleanup]',
        '      always:',
        '        report\tTAGS: [install]',
        '      last\tTAGS: []',
        '',
      ].join('\n'),
    );
  });

  it('--list-tags sees the tags of tasks inside blocks', () => {
    expect(playbookTags(playbook)).toEqual(['cleanup', 'install']);
  });

  it('--start-at-task finds a task inside a nested block; a rescue task is no start', () => {
    const from = startAtTask(playbook, 'extract');
    expect(listTasks(from)[0]!.tasks.map((t) => t.name)).toEqual(['extract', 'link', 'clean up', 'report', 'last']);
    expect(() => startAtTask(playbook, 'clean up')).toThrow(/"clean up" is a task of a block's rescue/);
  });
});
