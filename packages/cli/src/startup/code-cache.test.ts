import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLE_MARKER } from './code-cache.js';

// Each load runs in a node of its own: the cache hooks Module.prototype._compile for the process.
const codeCache = fileURLToPath(new URL('./code-cache.ts', import.meta.url));

function load(dir: string, module: string, env: NodeJS.ProcessEnv = {}, run: { fullRun?: boolean; json?: boolean } = {}): string {
  const script = `
    const { installCodeCache } = await import(${JSON.stringify(codeCache)});
    installCodeCache(${JSON.stringify(join(dir, 'cache'))}, ${JSON.stringify(run)});
    const { createRequire } = await import('node:module');
    console.log(JSON.stringify(createRequire(${JSON.stringify(join(dir, 'x.js'))})(${JSON.stringify(module)})));`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
}

const entries = (dir: string) => readdirSync(join(dir, 'cache')).filter((f) => f.endsWith('.v8'));

// Every load starts a node with tsx: seconds each on a loaded machine.
describe('installCodeCache', { timeout: 60_000 }, () => {
  it('compiles a bundle once, then loads it from the cache; an edit makes a new entry and drops the old', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-code-cache-'));
    const bundle = join(dir, 'bundle.cjs');
    writeFileSync(bundle, `${BUNDLE_MARKER}\nexports.answer = (() => 40 + 2)();\nexports.file = __filename;\n`);
    expect(JSON.parse(load(dir, bundle))).toEqual({ answer: 42, file: bundle });
    const [first] = entries(dir);
    expect(first).toMatch(/^bundle\.cjs-[0-9a-f]{8}\.[0-9a-f]{20}\.v8$/);
    const written = statSync(join(dir, 'cache', first!)).mtimeMs;
    expect(JSON.parse(load(dir, bundle))).toEqual({ answer: 42, file: bundle });
    // Not written again: V8 accepted the cached code (a rejected cache is rewritten at exit).
    expect(entries(dir)).toEqual([first]);
    expect(statSync(join(dir, 'cache', first!)).mtimeMs).toBe(written);

    writeFileSync(bundle, `${BUNDLE_MARKER}\nexports.answer = 43;\n`);
    expect(JSON.parse(load(dir, bundle))).toEqual({ answer: 43 });
    expect(entries(dir)).toHaveLength(1);
    expect(entries(dir)[0]).not.toBe(first);
  });

  it('never runs the cached code of another text of the same length, size and mtime', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-code-cache-'));
    const bundle = join(dir, 'bundle.cjs');
    // A first line claiming a build hash, as bundles once carried: rewritten in place within the
    // same timestamp tick (or copied keeping its mtime) with the same length, only the text differs.
    const firstLine = `${BUNDLE_MARKER} build ${'0'.repeat(40)}`;
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
    writeFileSync(bundle, `${firstLine}\nexports.answer = (() => 40 + 2)();\n`);
    utimesSync(bundle, tick, tick);
    expect(load(dir, bundle)).toBe('{"answer":42}');
    expect(load(dir, bundle)).toBe('{"answer":42}');
    writeFileSync(bundle, `${firstLine}\nexports.answer = (() => 40 + 3)();\n`);
    utimesSync(bundle, tick, tick);
    expect(load(dir, bundle)).toBe('{"answer":43}');
    expect(load(dir, bundle)).toBe('{"answer":43}');
  });

  it('does not take an entry whose header names another text, even under the name of this one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-code-cache-'));
    const bundle = join(dir, 'bundle.cjs');
    writeFileSync(bundle, `${BUNDLE_MARKER}\nexports.answer = (() => 40 + 2)();\n`);
    expect(load(dir, bundle)).toBe('{"answer":42}');
    const [old] = entries(dir);
    writeFileSync(bundle, `${BUNDLE_MARKER}\nexports.answer = (() => 40 + 3)();\n`);
    expect(load(dir, bundle)).toBe('{"answer":43}');
    const [current] = entries(dir);
    // The old text's data (same source length: V8 would take it) put where the new text's entry is.
    writeFileSync(bundle, `${BUNDLE_MARKER}\nexports.answer = (() => 40 + 2)();\n`);
    expect(load(dir, bundle)).toBe('{"answer":42}');
    expect(entries(dir)).toEqual([old]);
    renameSync(join(dir, 'cache', old!), join(dir, 'cache', current!));
    writeFileSync(bundle, `${BUNDLE_MARKER}\nexports.answer = (() => 40 + 3)();\n`);
    expect(load(dir, bundle)).toBe('{"answer":43}');
  });

  it('writes an entry a lighter command wrote again once, in the first playbook run, and never after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-code-cache-'));
    const bundle = join(dir, 'bundle.cjs');
    // `later` is compiled only when called: what a --version leaves out of the cache and a run puts in.
    writeFileSync(bundle, `${BUNDLE_MARKER}\nfunction later() { return [1, 2, 3].map((x) => x * 2).join(','); }\nexports.value = process.env.CALL_LATER ? later() : 'light';\n`);
    const entry = () => join(dir, 'cache', entries(dir)[0]!);
    expect(load(dir, bundle)).toBe('{"value":"light"}');
    const light = { size: statSync(entry()).size, mtime: statSync(entry()).mtimeMs };
    expect(load(dir, bundle, { CALL_LATER: '1' }, { fullRun: true })).toBe('{"value":"2,4,6"}');
    const full = { size: statSync(entry()).size, mtime: statSync(entry()).mtimeMs };
    expect(full.mtime).toBeGreaterThan(light.mtime);
    expect(full.size).toBeGreaterThan(light.size);
    expect(entries(dir)).toHaveLength(1);
    // Written by a playbook run: neither another run nor a lighter command writes it again.
    expect(load(dir, bundle, { CALL_LATER: '1' }, { fullRun: true })).toBe('{"value":"2,4,6"}');
    expect(load(dir, bundle)).toBe('{"value":"light"}');
    expect(statSync(entry()).mtimeMs).toBe(full.mtime);
  });

  it('writes an entry again in the first --json run after runs without it, keeping both reporters, and never after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-code-cache-'));
    const bundle = join(dir, 'bundle.cjs');
    // `terminal` stands for the terminal reporter, `jsonLines` for the JSON lines one: each compiled only in its kind of run.
    writeFileSync(
      bundle,
      `${BUNDLE_MARKER}\nfunction terminal() { return [1, 2, 3].map((x) => x * 2).join(','); }\nfunction jsonLines() { return JSON.stringify([1, 2, 3].map((x) => ({ x }))); }\nexports.value = process.env.JSON_LINES ? jsonLines() : terminal();\n`,
    );
    const entry = () => join(dir, 'cache', entries(dir)[0]!);
    const written = () => ({ size: statSync(entry()).size, mtime: statSync(entry()).mtimeMs });
    expect(load(dir, bundle, {}, { fullRun: true })).toBe('{"value":"2,4,6"}');
    const terminalOnly = written();
    expect(load(dir, bundle, {}, { fullRun: true })).toBe('{"value":"2,4,6"}');
    expect(written()).toEqual(terminalOnly);
    expect(load(dir, bundle, { JSON_LINES: '1' }, { fullRun: true, json: true })).toBe('{"value":"[{\\"x\\":1},{\\"x\\":2},{\\"x\\":3}]"}');
    const both = written();
    expect(both.mtime).toBeGreaterThan(terminalOnly.mtime);
    expect(both.size).toBeGreaterThan(terminalOnly.size);
    expect(entries(dir)).toHaveLength(1);
    // Holding both kinds' code: no run of either kind, nor a lighter command, writes it again.
    expect(load(dir, bundle, {}, { fullRun: true })).toBe('{"value":"2,4,6"}');
    expect(load(dir, bundle, { JSON_LINES: '1' }, { fullRun: true, json: true })).toContain('x');
    expect(load(dir, bundle)).toBe('{"value":"2,4,6"}');
    expect(written()).toEqual(both);
  });

  it('leaves other CommonJS files (no bundle marker) and MESHBOOK_NO_CODE_CACHE runs alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-code-cache-'));
    writeFileSync(join(dir, 'plain.cjs'), 'exports.ok = true;\n');
    expect(load(dir, join(dir, 'plain.cjs'))).toBe('{"ok":true}');
    writeFileSync(join(dir, 'bundle.cjs'), `${BUNDLE_MARKER}\nexports.ok = 1;\n`);
    expect(load(dir, join(dir, 'bundle.cjs'), { MESHBOOK_NO_CODE_CACHE: '1' })).toBe('{"ok":1}');
    expect(() => entries(dir)).toThrow(); // no cache dir was ever made
  });
});
