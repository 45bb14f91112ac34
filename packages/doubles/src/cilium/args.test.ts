import { describe, expect, it } from 'vitest';
import { globalFlags, parseDuration, parseFlags, UsageError } from './args.js';

const specs = [...globalFlags, { name: 'wait', type: 'bool' as const, default: false }, { name: 'wait-duration', type: 'duration' as const, default: 0 }, { name: 'destination-endpoint', type: 'strings' as const, default: [] }];

describe('cilium flags as pflag parses them', () => {
  it('takes --flag value, --flag=value, -n value and bare booleans', () => {
    const { flags, positional } = parseFlags(['--context', 'a@b', '--wait', '-n', 'cilium', '--wait-duration=15m'], specs);
    expect(flags).toMatchObject({ context: 'a@b', wait: true, namespace: 'cilium', 'wait-duration': 900_000 });
    expect(positional).toEqual([]);
  });

  it('reads booleans with =false and repeated string lists', () => {
    const { flags } = parseFlags(['--wait=false', '--destination-endpoint', '10.0.0.1:32379', '--destination-endpoint=10.0.0.2:32379'], specs);
    expect(flags.wait).toBe(false);
    expect(flags['destination-endpoint']).toEqual(['10.0.0.1:32379', '10.0.0.2:32379']);
  });

  it('refuses unknown flags and missing values with pflag wording', () => {
    expect(() => parseFlags(['--wat'], specs)).toThrow(new UsageError('unknown flag: --wat'));
    expect(() => parseFlags(['--context'], specs)).toThrow('flag needs an argument: --context');
    expect(() => parseFlags(['--wait=maybe'], specs)).toThrow(/strconv.ParseBool/);
    expect(() => parseFlags(['--wait-duration', '5 minutes'], specs)).toThrow('invalid argument "5 minutes" for "--wait-duration" flag: time: invalid duration "5 minutes"');
  });

  it('parses Go durations', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(() => parseDuration('5')).toThrow(/invalid duration/);
  });
});
