import { describe, expect, it } from 'vitest';
import { joinCommands, sh } from '../command.js';
import { MeshbookError } from '../errors.js';
import { LocalTransport } from '../transport/local.js';
import type { BatchOptions, CommandResult } from '../transport/types.js';
import { FACT_GROUP_LIMIT, planFactBatch, resultsOfGroup, splitGroupResult } from './fact-groups.js';
import { FactCache, defineFact } from './facts.js';

/** A fact whose command prints its argument's script; the grouped form runs each in its section. */
const echo = defineFact<string, CommandResult>({
  name: 'test.echo',
  command: (script) => sh`${sh.raw(script)}`,
  grouped: (scripts, sections) => joinCommands(scripts.map((script, i) => sh`${sections[i]!.begin}; ${sh.raw(script)}; ${sections[i]!.end}`), '\n'),
  parse: (result) => result,
});
const plain = defineFact<string, string>({ name: 'test.plain', command: (text) => sh`printf %s ${text}`, parse: (r) => r.stdout });

describe('planFactBatch', () => {
  it('groups two or more requests of a grouped fact where the first was; others keep their own command', () => {
    const planned = planFactBatch([plain('a'), echo('true'), plain('b'), echo('false')]);
    expect(planned.map((p) => p.members)).toEqual([[0], [1, 3], [2]]);
    expect(planned[1]!.markers).toHaveLength(2);
    expect(planned[0]!.markers).toBeUndefined();
  });

  it('a grouped fact asked once runs its own command', () => {
    const planned = planFactBatch([echo('true'), plain('a')]);
    expect(planned.map((p) => p.markers)).toEqual([undefined, undefined]);
    expect(planned[0]!.command.text).toBe('true');
  });

  it(`groups at most ${FACT_GROUP_LIMIT} requests per command`, () => {
    const requests = Array.from({ length: FACT_GROUP_LIMIT * 2 + 1 }, (_, i) => echo(`echo ${i}`));
    expect(planFactBatch(requests).map((p) => p.members.length)).toEqual([FACT_GROUP_LIMIT, FACT_GROUP_LIMIT, 1]);
  });
});

describe('splitGroupResult', () => {
  // Output without a trailing newline, blank lines, stderr, a line that looks like a section end,
  // bytes that are not UTF-8 (replaced as a single command's would be), exit codes.
  const scripts = [
    "printf 'no newline'",
    "printf '\\n\\nblank lines\\n\\n'; echo err >&2; exit 7",
    "printf '\\n__MBG_000000000000000000000000__ 0\\n'; printf 'x\\377y\\n' >&2",
    ':',
    "printf 'a\\0b'; exit 3",
  ];

  it('gives each member the stdout, stderr and exit code of its own command', async () => {
    const transport = new LocalTransport();
    const single = await transport.runBatch(scripts.map((s) => sh`( ${sh.raw(s)} )`));
    const [part] = planFactBatch(scripts.map((s) => echo(`( ${s} )`)));
    const [result] = await transport.runBatch([part!.command]);
    const split = splitGroupResult(result!, part!.markers!);
    expect(split!.map((r) => [r.stdout, r.stderr, r.exitCode])).toEqual(single.map((r) => [r.stdout, r.stderr, r.exitCode]));
    expect(split![1]!.exitCode).toBe(7);
    expect(split![3]!.stdout).toBe('');
  });

  it('is undefined when a section is missing (the script stopped) or the output was cut', async () => {
    const transport = new LocalTransport();
    const [part] = planFactBatch([echo('echo one'), echo('exit 4'), echo('echo three')]);
    // `exit` outside a subshell ends the group's script in the second section.
    const [result] = await transport.runBatch([part!.command]);
    expect(splitGroupResult(result!, part!.markers!)).toBeUndefined();
    const [whole] = planFactBatch([echo('echo one'), echo('echo two')]);
    const [ok] = await transport.runBatch([whole!.command]);
    expect(splitGroupResult(ok!, whole!.markers!)).toHaveLength(2);
    expect(splitGroupResult({ ...ok!, truncated: { stdout: 1, stderr: 0 } }, whole!.markers!)).toBeUndefined();
  });
});

/** A local transport that counts what the cache sends and can cut or fail a batch. */
class ProbeTransport extends LocalTransport {
  readonly batches: number[] = [];
  cut = false;
  failWith: MeshbookError | undefined;
  override async run(command: Parameters<LocalTransport['run']>[0]): Promise<CommandResult> {
    const [result] = await this.runBatch([command]);
    return result!;
  }
  override async runBatch(commands: Parameters<LocalTransport['runBatch']>[0], options?: BatchOptions): Promise<CommandResult[]> {
    this.batches.push(commands.length);
    if (this.failWith) throw this.failWith;
    const results = await super.runBatch(commands, options);
    return this.cut ? results.map((r) => ({ ...r, truncated: { stdout: 1, stderr: 0 } })) : results;
  }
}

describe('FactCache with a grouped fact', () => {
  it('gathers a group in one command of one round trip', async () => {
    const transport = new ProbeTransport();
    const facts = new FactCache(transport);
    const answers = await facts.gather({ a: echo('echo a'), b: echo('( echo b >&2; exit 2 )'), c: plain('c') });
    expect(transport.batches).toEqual([2]);
    expect([answers.a.stdout, answers.b.stderr, answers.b.exitCode, answers.c]).toEqual(['a\n', 'b\n', 2, 'c']);
  });

  it('a group that cannot be split runs its members on their own, in one more round trip', async () => {
    const transport = new ProbeTransport();
    transport.cut = true;
    const facts = new FactCache(transport);
    await facts.prefetch([
      { request: echo('echo a'), become: undefined },
      { request: echo('echo b'), become: undefined },
    ]);
    // The group's output was cut: its two members asked again on their own (and cut again here,
    // so left for the tasks, as any cut output is).
    expect(transport.batches).toEqual([1, 2]);
    transport.cut = false;
    expect((await facts.get(echo('echo a'))).stdout).toBe('a\n');
  });

  it("an error while a group runs carries none of the group's output", async () => {
    const transport = new ProbeTransport();
    transport.failWith = new MeshbookError('TIMEOUT', 'command timed out', { host: 'h', stdout: 'content c2VjcmV0', stderr: 'e' });
    const facts = new FactCache(transport);
    const error = await facts.gather({ a: echo('echo a'), b: echo('echo b') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'command timed out', stderr: 'e' });
    expect((error as MeshbookError).stdout).toBeUndefined();
    expect((error as MeshbookError).cause).toBeUndefined();
  });
});

describe('resultsOfGroup of a request\'s own command', () => {
  it('is its one member\'s result, as run', async () => {
    const [part] = planFactBatch([echo('echo alone; exit 5')]);
    expect(part!.markers).toBeUndefined();
    const [result] = await new LocalTransport().runBatch([part!.command]);
    expect(resultsOfGroup(part!, result!)).toEqual([result]);
  });
});

describe('resultsOfGroup with a shared section', () => {
  /** Each member prints its word; the shared section prints once what every member gets appended. */
  const withShared = (finish: (parts: readonly CommandResult[], shared: CommandResult) => CommandResult[] | undefined) =>
    defineFact<string, string>({
      name: 'test.shared',
      command: (word) => sh`echo ${word} shared-tail`,
      grouped: (words, sections, shared) =>
        joinCommands([...words.map((word, i) => sh`${sections[i]!.begin}; printf '%s ' ${word}; ${sections[i]!.end}`), sh`${shared!.begin}; echo shared-tail; ${shared!.end}`], '\n'),
      groupedResults: (_words, parts, shared) => finish(parts, shared),
      parse: (r) => r.stdout,
    });

  it("gives each member what the fact's groupedResults makes of its part and the shared section", async () => {
    const fact = withShared((parts, shared) => parts.map((p) => ({ ...p, stdout: p.stdout + shared.stdout })));
    const [part] = planFactBatch([fact('a'), fact('b c')]);
    expect(part!.markers).toHaveLength(3);
    const transport = new LocalTransport();
    const [result] = await transport.runBatch([part!.command]);
    const single = await transport.runBatch([fact.definition.command('a'), fact.definition.command('b c')]);
    expect(resultsOfGroup(part!, result!)!.map((r) => [r.stdout, r.exitCode])).toEqual(single.map((r) => [r.stdout, r.exitCode]));
    // Through the cache: one command, the same values.
    const cached = new LocalTransport();
    const values = await new FactCache(cached).gather({ a: fact('a'), b: fact('b c') });
    expect(values).toEqual({ a: 'a shared-tail\n', b: 'b c shared-tail\n' });
    expect(cached.stats().commands).toBe(1);
  });

  it('runs the members alone when groupedResults gives up or throws', async () => {
    for (const finish of [() => undefined, () => { throw new Error('no'); }]) {
      const fact = withShared(finish);
      const [part] = planFactBatch([fact('a'), fact('b')]);
      const [result] = await new LocalTransport().runBatch([part!.command]);
      expect(resultsOfGroup(part!, result!)).toBeUndefined();
      const transport = new LocalTransport();
      expect(await new FactCache(transport).gather({ a: fact('a'), b: fact('b') })).toEqual({ a: 'a shared-tail\n', b: 'b shared-tail\n' });
      expect(transport.stats().commands).toBe(2);
    }
  });
});

