// Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which
// client-go's typed clients send (helm stores its releases as Secrets that way). Only the kinds
// the clients send so are decoded; responses are always JSON, which those clients also accept.
import { ApiError } from './status.js';

type Field = { number: number; wire: number; value: bigint | Buffer };

function readVarint(buffer: Buffer, offset: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (offset >= buffer.length) throw new Error('truncated varint');
    const byte = buffer[offset++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [result, offset];
    shift += 7n;
  }
}

function fields(buffer: Buffer): Field[] {
  const out: Field[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const [key, next] = readVarint(buffer, offset);
    offset = next;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, after] = readVarint(buffer, offset);
      out.push({ number, wire, value });
      offset = after;
    } else if (wire === 2) {
      const [length, after] = readVarint(buffer, offset);
      const end = after + Number(length);
      out.push({ number, wire, value: buffer.subarray(after, end) });
      offset = end;
    } else if (wire === 1) {
      out.push({ number, wire, value: buffer.subarray(offset, offset + 8) });
      offset += 8;
    } else if (wire === 5) {
      out.push({ number, wire, value: buffer.subarray(offset, offset + 4) });
      offset += 4;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

/** How a message's fields map to JSON: name and type of each field number. */
type Type = 'string' | 'bytes' | 'int' | 'bool' | 'json' | Schema | { map: 'string' | 'bytes' } | { repeated: Type };
interface Schema { [number: number]: [string, Type] }

const TIME: Schema = { 1: ['seconds', 'int'], 2: ['nanos', 'int'] };
const OWNER_REFERENCE: Schema = { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] };
const MANAGED_FIELDS: Schema = { 1: ['manager', 'string'], 2: ['operation', 'string'], 3: ['apiVersion', 'string'], 4: ['time', TIME], 6: ['fieldsType', 'string'], 7: ['fieldsV1', 'json'], 8: ['subresource', 'string'] };
const OBJECT_META: Schema = {
  1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 5: ['uid', 'string'], 6: ['resourceVersion', 'string'],
  7: ['generation', 'int'], 8: ['creationTimestamp', TIME], 9: ['deletionTimestamp', TIME], 10: ['deletionGracePeriodSeconds', 'int'],
  11: ['labels', { map: 'string' }], 12: ['annotations', { map: 'string' }], 13: ['ownerReferences', { repeated: OWNER_REFERENCE }],
  14: ['finalizers', { repeated: 'string' }], 17: ['managedFields', { repeated: MANAGED_FIELDS }],
};
const KINDS: Record<string, Schema> = {
  Secret: { 1: ['metadata', OBJECT_META], 2: ['data', { map: 'bytes' }], 3: ['type', 'string'], 4: ['stringData', { map: 'string' }], 5: ['immutable', 'bool'] },
  ConfigMap: { 1: ['metadata', OBJECT_META], 2: ['data', { map: 'string' }], 3: ['binaryData', { map: 'bytes' }], 4: ['immutable', 'bool'] },
  Namespace: { 1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['finalizers', { repeated: 'string' }] }], 3: ['status', { 1: ['phase', 'string'] }] },
  DeleteOptions: {
    1: ['gracePeriodSeconds', 'int'], 2: ['preconditions', { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] }],
    3: ['orphanDependents', 'bool'], 4: ['propagationPolicy', 'string'], 5: ['dryRun', { repeated: 'string' }],
  },
};

function scalar(type: Type, value: bigint | Buffer): unknown {
  if (type === 'string') return (value as Buffer).toString('utf8');
  if (type === 'bytes') return (value as Buffer).toString('base64');
  if (type === 'int') return Number(BigInt.asIntN(64, value as bigint));
  if (type === 'bool') return value !== 0n;
  if (type === 'json') {
    const raw = fields(value as Buffer).find((f) => f.number === 1);
    return raw ? JSON.parse((raw.value as Buffer).toString('utf8')) : {};
  }
  return decodeMessage(value as Buffer, type as Schema);
}

function decodeMessage(buffer: Buffer, schema: Schema): Record<string, any> {
  const out: Record<string, any> = {};
  for (const field of fields(buffer)) {
    const entry = schema[field.number];
    if (!entry) continue;
    const [name, type] = entry;
    if (typeof type === 'object' && 'map' in type) {
      const parts = fields(field.value as Buffer);
      const key = parts.find((p) => p.number === 1);
      const value = parts.find((p) => p.number === 2);
      (out[name] ??= {})[key ? (key.value as Buffer).toString('utf8') : ''] = value ? scalar(type.map as Type, value.value) : '';
    } else if (typeof type === 'object' && 'repeated' in type) {
      (out[name] ??= []).push(scalar(type.repeated as Type, field.value));
    } else out[name] = scalar(type, field.value);
  }
  return out;
}

const toRfc3339 = (time: { seconds?: number }) => new Date((time.seconds ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function fixTimes(metadata: Record<string, any> | undefined): void {
  if (!metadata) return;
  for (const key of ['creationTimestamp', 'deletionTimestamp']) if (metadata[key]) metadata[key] = toRfc3339(metadata[key]);
  for (const entry of metadata.managedFields ?? []) if (entry.time) entry.time = toRfc3339(entry.time);
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function isProtobuf(contentType: string): boolean {
  return contentType === 'application/vnd.kubernetes.protobuf';
}

/** The JSON form of a protobuf-encoded object (the `k8s\0` envelope around runtime.Unknown). */
export function decodeProtobuf(body: Buffer): Record<string, any> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ApiError(400, 'BadRequest', 'the protobuf body does not start with the Kubernetes envelope ("k8s\\0")');
  const unknown = decodeMessage(body.subarray(4), { 1: ['typeMeta', { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }], 2: ['raw', 'bytes'] });
  const kind = unknown.typeMeta?.kind ?? '';
  const schema = KINDS[kind];
  if (!schema) throw new ApiError(415, 'UnsupportedMediaType', `the double decodes protobuf for ${Object.keys(KINDS).join(', ')} only, not ${kind || 'this body'}: send JSON`);
  const object = decodeMessage(Buffer.from(unknown.raw ?? '', 'base64'), schema);
  fixTimes(object.metadata);
  return kind === 'DeleteOptions' ? object : { apiVersion: unknown.typeMeta.apiVersion, kind, ...object };
}
