import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseJsonObject } from './json-text.js';
import { parseYamlText } from './yaml-file.js';

const asYaml = (text: string): unknown => parseDocument(text, { version: '1.1', uniqueKeys: true }).toJS();

describe('parseJsonObject', () => {
  it('gives what the YAML parser gives for a JSON object: numbers, escapes, nesting, a "__proto__" key', () => {
    const text = JSON.stringify({
      all: { vars: { n: 1, big: 12345678901234567890, neg: -0, exp: 1.5e-3, yes: 'yes', t: true, none: null, esc: 'a"b\\c\n\u0041', colon: 'k": v' } },
      list: [1, 'two', { three: [3] }, []],
      empty: {},
    }).replace('"n":1', '"n":1e5, "m": -1.25E+2').replace('"neg":0', '"neg":-0');
    const parsed = parseJsonObject(text);
    expect(parsed?.value).toEqual(asYaml(text));
    expect(Object.is((parsed?.value as { all: { vars: { neg: number } } }).all.vars.neg, -0)).toBe(true);
    const proto = '{ "__proto__": { "x": 1 }, "a": "\\"}" }';
    expect(parseJsonObject(proto)?.value).toEqual(asYaml(proto));
    expect(Object.keys(parseJsonObject(proto)!.value)).toEqual(['__proto__', 'a']);
  });

  it('leaves to the YAML parser what is not a JSON object, and an object with a repeated key', () => {
    expect(parseJsonObject('all:\n  hosts: {}\n')).toBeUndefined();
    expect(parseJsonObject('[1, 2]')).toBeUndefined();
    expect(parseJsonObject('{ all: { hosts: {} } }')).toBeUndefined(); // YAML flow style, not JSON
    expect(parseJsonObject('{ "a": 1, }')).toBeUndefined();
    expect(parseJsonObject('{ "a": { "b": 1, "b": 2 } }')).toBeUndefined();
    expect(parseJsonObject('{ "a": 1, "a": 1 }')).toBeUndefined();
  });

  it('keeps parseYamlText\'s duplicate-key error for a JSON file', () => {
    const result = parseYamlText('{\n  "all": {},\n  "all": {}\n}\n', 'hosts.json');
    expect(result.value).toBeUndefined();
    expect(result.issues[0]?.message).toMatch(/YAML syntax error: Map keys must be unique/);
    expect(result.issues[0]?.file).toBe('hosts.json:3:3');
  });
});
