import { describe, expect, it } from 'vitest';
import { registerSecretText } from '../secret.js';
import { createJsonLinesReporter } from './json-lines.js';
import { MemoryStream, syntheticRun } from '../testing/synthetic-events.js';

describe('JSON lines reporter', () => {
  it('writes one event per line that parses back to the event', () => {
    const stream = new MemoryStream();
    const reporter = createJsonLinesReporter(stream);
    const events = syntheticRun({ check: true, diff: true });
    for (const event of events) reporter(event);
    const lines = stream.text.trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    // undefined fields vanish in JSON, as they would for any consumer.
    expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(JSON.stringify(events)));
  });

  it('redacts known secrets again on the way out', () => {
    const canary = 'canary-json-8a7b6c';
    registerSecretText(canary);
    const stream = new MemoryStream();
    createJsonLinesReporter(stream)({ type: 'warning', time: 0, message: `saw ${canary}` });
    expect(stream.text).not.toContain(canary);
    expect(JSON.parse(stream.text)).toEqual({ type: 'warning', time: 0, message: 'saw ***' });
  });
});
