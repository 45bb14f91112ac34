import { describe, expect, it } from 'vitest';
import { decodingError } from './decoding.js';
import { BUILTIN_KINDS } from './kinds.js';

const kind = (name: string) => BUILTIN_KINDS.find((k) => k.kind === name)!;

describe('decoding errors', () => {
  it('a number for an env value, worded as the real server words it', () => {
    const deployment = { spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'N', value: 1 }] }] } } } };
    expect(decodingError(kind('Deployment'), deployment)).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string');
  });

  it('a string for replicas, a float for a port, a number for a label', () => {
    expect(decodingError(kind('Deployment'), { spec: { replicas: 'two' } })).toContain('cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(decodingError(kind('Service'), { spec: { ports: [{ port: 80.5 }] } })).toContain('cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.port of type int32');
    expect(decodingError(kind('ConfigMap'), { metadata: { labels: { a: 1 } } })).toContain('Go struct field ObjectMeta.metadata.labels of type string');
    expect(decodingError(kind('ConfigMap'), { data: { a: 'b' }, metadata: { labels: { a: 'b' } } })).toBeUndefined();
  });
});
