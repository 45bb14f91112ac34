import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sh } from '../command.js';
import { FrameParser, frameCommand, framesWithTrailer, type FrameInput, type FrameResult } from './framing.js';


const M = '__MB_0123456789abcdef01234567__';
const begin = `${M} begin\n`;

describe('FrameParser', () => {
  it('splits output from the markers, whole or byte by byte', () => {
    const stdout = Buffer.from(`${begin}hello\nworld\n${M} 3\n`);
    const stderr = Buffer.from(`${begin}oops\n${M} end\n`);
    for (const size of [1, 3, 7, 1000]) {
      const parser = new FrameParser(M);
      for (let i = 0; i < stdout.length; i += size) parser.pushStdout(stdout.subarray(i, i + size));
      expect(parser.done).toBe(false);
      for (let i = 0; i < stderr.length; i += size) parser.pushStderr(stderr.subarray(i, i + size));
      expect(parser.done).toBe(true);
      const result = parser.result();
      expect(result.stdout.toString()).toBe('hello\nworld');
      expect(result.stderr.toString()).toBe('oops');
      expect(result.exitCode).toBe(3);
    }
  });

  it('keeps output without a final newline exactly', () => {
    const parser = new FrameParser(M);
    parser.pushStdout(Buffer.from(`${begin}no newline\n${M} 0\n`));
    parser.pushStderr(Buffer.from(`${begin}\n${M} end\n`));
    expect(parser.result()).toMatchObject({ exitCode: 0 });
    expect(parser.result().stdout.toString()).toBe('no newline');
    expect(parser.result().stderr.toString()).toBe('');
  });

  it('is not fooled by text that only looks like a marker', () => {
    const parser = new FrameParser(M);
    parser.pushStdout(Buffer.from(`${begin}__MB_ffffffffffffffffffffffff__ 0\n${M.slice(0, 10)}\n${M} 1\n`));
    parser.pushStderr(Buffer.from(`${begin}\n${M} end\n`));
    expect(parser.result().stdout.toString()).toBe(`__MB_ffffffffffffffffffffffff__ 0\n${M.slice(0, 10)}`);
    expect(parser.result().exitCode).toBe(1);
  });

  it('drops what arrives before the start line and after the end line as stray, on both streams', () => {
    const stray: string[] = [];
    const parser = new FrameParser(M, { onStray: (bytes, stream) => stray.push(`${stream}:${bytes.toString()}`) });
    parser.pushStdout(Buffer.from(`started\npartial-line${begin}mine\n\n${M} 0\nlate`));
    parser.pushStderr(Buffer.from(`warn\n${begin}\n${M} end\nlate-err`));
    expect(parser.result().stdout.toString()).toBe('mine\n');
    expect(parser.result().stderr.toString()).toBe('');
    expect(stray).toEqual(['stdout:started\npartial-line', 'stdout:late', 'stderr:warn\n', 'stderr:late-err']);
  });

  it('splits several commands written at once, each stream followed on its own', () => {
    const [A, B] = ['__MB_aaaaaaaaaaaaaaaaaaaaaaaa__', '__MB_bbbbbbbbbbbbbbbbbbbbbbbb__'];
    const parser = new FrameParser([A, B]);
    parser.pushStdout(Buffer.from(`${A} begin\na\n\n${A} 0\n${B} begin\nb\n\n${B} 2\n`));
    expect(parser.done).toBe(false);
    parser.pushStderr(Buffer.from(`${A} begin\nea\n\n${A} end\n${B} begin\n\n${B} end\n`));
    expect(parser.results().map((r) => [r.stdout.toString(), r.stderr.toString(), r.exitCode])).toEqual([
      ['a\n', 'ea\n', 0],
      ['b\n', '', 2],
    ]);
  });

  it('streams output as it arrives, holding back only a possible marker start', () => {
    const seen: string[] = [];
    const parser = new FrameParser(M, { onOutput: (chunk, stream) => seen.push(`${stream}:${chunk}`) });
    parser.pushStdout(Buffer.from(begin + 'progress 10%\n'.padEnd(80, '.')));
    expect(seen.join('')).toContain('progress 10%');
    parser.pushStdout(Buffer.from(`\n${M} 0\n`));
    parser.pushStderr(Buffer.from(`${begin}warn\n${M} end\n`));
    expect(seen.filter((s) => s.startsWith('stdout:')).map((s) => s.slice(7)).join('')).toBe('progress 10%\n'.padEnd(80, '.'));
    expect(seen).toContain('stderr:warn');
  });

  it('keeps at most maxBytes per stream and counts the rest, whatever the chunking, still finding the end line', () => {
    for (const size of [1, 5, 64]) {
      const parser = new FrameParser(M, { maxBytes: 10 });
      const stdout = Buffer.from(`${begin}${'x'.repeat(100)}\n${M} 0\n`);
      for (let i = 0; i < stdout.length; i += size) parser.pushStdout(stdout.subarray(i, i + size));
      parser.pushStderr(Buffer.from(`${begin}short\n${M} end\n`));
      expect(parser.result().stdout.toString()).toBe('x'.repeat(10));
      expect(parser.result().dropped).toEqual({ stdout: 90, stderr: 0 });
      expect(parser.result().stderr.toString()).toBe('short');
    }
  });

  it('gives what arrived so far when the shell dies', () => {
    const parser = new FrameParser(M);
    parser.pushStdout(Buffer.from(`${begin}partial`));
    parser.pushStderr(Buffer.from(`${begin}err`));
    expect(parser.done).toBe(false);
    expect(parser.partial().stdout.toString()).toBe('partial');
    expect(parser.partial().stderr.toString()).toBe('err');
  });
});

/** Feeds framed commands to one real local /bin/sh, as the SSH session does. */
async function runInOneShell(inputs: FrameInput[], options: { fd9?: boolean } = {}): Promise<FrameResult[]> {
  // fd 9 open in the shell stands in for the host lock a kept shell may hold.
  const stdio = options.fd9 ? ['pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe'] : ['pipe', 'pipe', 'pipe'];
  const shell = spawn('/bin/sh', [], { stdio: stdio as ['pipe', 'pipe', 'pipe'] });
  const results: FrameResult[] = [];
  try {
    for (const input of inputs) {
      const framed = frameCommand(input);
      const parser = new FrameParser(framed.marker);
      const done = new Promise<void>((resolve, reject) => {
        const check = () => parser.done && resolve();
        shell.stdout.on('data', (d: Buffer) => (parser.pushStdout(d), check()));
        shell.stderr.on('data', (d: Buffer) => (parser.pushStderr(d), check()));
        shell.once('close', () => reject(new Error(`shell ended: ${parser.partial().stderr.toString()}`)));
      });
      shell.stdin.write(framed.script);
      await done;
      shell.stdout.removeAllListeners('data');
      shell.stderr.removeAllListeners('data');
      shell.removeAllListeners('close');
      results.push(parser.result());
    }
  } finally {
    shell.stdin.end();
  }
  return results;
}

describe('frameCommand in a real sh', () => {
  it('runs commands one after another in one shell, each with its own exit code and streams', async () => {
    const [a, b, c] = await runInOneShell([
      { command: sh`echo out; echo err >&2; exit 3`.text },
      { command: 'printf "no newline"' },
      { command: sh`echo ${"it's $HOME `quoted`"}`.text },
    ]);
    expect(a).toMatchObject({ exitCode: 3 });
    expect(a!.stdout.toString()).toBe('out\n');
    expect(a!.stderr.toString()).toBe('err\n');
    expect(b!.stdout.toString()).toBe('no newline');
    expect(c!.stdout.toString()).toBe("it's $HOME `quoted`\n");
  });

  it('keeps exit, exec and cd inside the command', async () => {
    const results = await runInOneShell([{ command: 'cd /; exit 7' }, { command: 'exec true' }, { command: 'pwd' }]);
    expect(results.map((r) => r.exitCode)).toEqual([7, 0, 0]);
    expect(results[2]!.stdout.toString()).not.toBe('/\n');
  });

  it('gives a command /dev/null as stdin, so cat cannot eat the protocol', async () => {
    const [cat, after] = await runInOneShell([{ command: 'cat; echo cat-done' }, { command: 'echo still-here' }]);
    expect(cat!.stdout.toString()).toBe('cat-done\n');
    expect(after!.stdout.toString()).toBe('still-here\n');
  });

  it('feeds given stdin bytes exactly, binary included', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 10, 39, 34, 36]);
    const [r, after] = await runInOneShell([{ command: 'od -An -tu1', stdin: bytes }, { command: 'echo ok' }]);
    expect(r!.stdout.toString().trim().split(/\s+/).map(Number)).toEqual([...bytes]);
    expect(after!.stdout.toString()).toBe('ok\n');
  });

  it('applies cwd and env per command, quoted', async () => {
    const [r, after] = await runInOneShell([
      { command: 'pwd; printf "%s|" "$A" "$B"', cwd: '/tmp', env: { A: "x y'z", B: '$(id)' } },
      { command: 'printf "%s" "${A-unset}"' },
    ]);
    expect(r!.stdout.toString()).toBe("/tmp\nx y'z|$(id)|");
    expect(after!.stdout.toString()).toBe('unset');
  });

  it('runs multi-line commands with heredocs and trailing comments', async () => {
    const [r] = await runInOneShell([{ command: 'cat <<EOF\nline one\nEOF\necho two # comment' }]);
    expect(r!.stdout.toString()).toBe('line one\ntwo\n');
  });

  it('runs nothing when the connection drops before a command with input is complete', async () => {
    const framed = frameCommand({ command: 'cat > "$MB_TARGET"; touch "$MB_TARGET.ran"', env: { MB_TARGET: `/tmp/meshbook-trunc-${process.pid}` }, stdin: Buffer.alloc(4096, 'x') });
    // Cut inside the input, and inside the command's group: the shell must see a syntax error.
    for (const cut of [40, framed.script.length >> 1, framed.script.indexOf('\n} )') + 1]) {
      const shell = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
      shell.stdin.end(framed.script.slice(0, cut));
      await new Promise((resolve) => shell.on('close', resolve));
      const check = spawn('/bin/sh', ['-c', `ls /tmp/meshbook-trunc-${process.pid}* 2>/dev/null | wc -l`]);
      const count = await new Promise<string>((resolve) => {
        let out = '';
        check.stdout.on('data', (d: Buffer) => (out += d.toString()));
        check.on('close', () => resolve(out.trim()));
      });
      expect(count, `cut at ${cut}`).toBe('0');
    }
  });

  it('closes fd 9 (the host lock) for every command, with or without stdin, so nothing it starts keeps the lock', async () => {
    expect(frameCommand({ command: 'true' }).script).toContain(') 9<&- </dev/null;');
    const fds = 'if [ -e /proc/$$/fd/9 ]; then echo shell:9; fi; ls /proc/self/fd | grep -qx 9 && echo command:9 || echo command:none';
    const [plain, fed] = await runInOneShell([{ command: fds }, { command: `cat >/dev/null; ${fds}`, stdin: Buffer.from('x') }], { fd9: true });
    expect(plain!.stdout.toString()).toBe('shell:9\ncommand:none\n');
    expect(fed!.stdout.toString()).toBe('shell:9\ncommand:none\n');
  });

  it('refuses invalid environment names', () => {
    expect(() => frameCommand({ command: 'true', env: { 'A;rm': 'x' } })).toThrow(/invalid environment variable name/);
  });
});

/** Frames written to one /bin/sh in one go, as a kept session writes a command with its trailer. */
async function runTogether(frames: ReturnType<typeof framesWithTrailer>): Promise<FrameResult[]> {
  const shell = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const parser = new FrameParser(frames.map((f) => f.marker));
  const done = new Promise<void>((resolve) => {
    const check = () => parser.done && resolve();
    shell.stdout.on('data', (d: Buffer) => (parser.pushStdout(d), check()));
    shell.stderr.on('data', (d: Buffer) => (parser.pushStderr(d), check()));
  });
  shell.stdin.write(frames.map((f) => f.script).join(''));
  await done;
  shell.stdin.end();
  return parser.results();
}

describe('framesWithTrailer', () => {
  it('runs the trailer\'s reads after the command only when it exited 0; the command\'s own result is unchanged', async () => {
    const ran = await runTogether(framesWithTrailer(frameCommand({ command: 'echo wrote; exit 0' }), [sh`echo read one`, sh`echo read two; exit 3`]));
    expect(ran.map((r) => [r.stdout.toString().trim(), r.exitCode])).toEqual([
      ['wrote', 0],
      ['read one', 0],
      ['read two', 3],
    ]);
    const failed = await runTogether(framesWithTrailer(frameCommand({ command: 'echo no space >&2; exit 1' }), [sh`echo read one`]));
    expect(failed.map((r) => [r.stdout.toString().trim(), r.exitCode])).toEqual([
      ['', 1],
      ['', 125],
    ]);
    expect(failed[0]!.stderr.toString().trim()).toBe('no space');
  });

  it('gates on the command with stdin too', async () => {
    const ran = await runTogether(framesWithTrailer(frameCommand({ command: 'cat >/dev/null', stdin: Buffer.from('data') }), [sh`echo after`]));
    expect(ran.map((r) => [r.stdout.toString().trim(), r.exitCode])).toEqual([
      ['', 0],
      ['after', 0],
    ]);
  });
});
