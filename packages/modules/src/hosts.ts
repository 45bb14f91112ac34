import { z } from 'zod';
import { defineModule } from '@meshbook/engine';
import { namedBlockEdit } from './blockinfile.js';
import { planEdit } from './lib/edit-in-place.js';
import type { InPlaceEdit } from './lib/edit-in-place.js';
import { applyFile, fileWrites } from './lib/file-content.js';
import type { FileChange } from './lib/file-content.js';
import { absolutePath } from './lib/file-attributes.js';
import { EDIT_CONTENT_LIMIT, fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import type { DocumentedParams } from './lib/documented-params.js';

export const HOSTS_MARKER = '# {mark} MESHBOOK HOSTS {name}';

// RFC 1123 host names (letters, digits, hyphens; dot-separated labels; no leading/trailing hyphen).
const hostName = z
  .string()
  .regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'a host name (letters, digits, hyphens, dots)');

/** One line of the block: an address and its names. */
export interface HostsEntryInput {
  /** An IPv4 or IPv6 address. */
  ip: string;
  /** Host names (RFC 1123) for it, at least one; a name maps to one address per block. */
  names: string[];
}

/** The hosts task's params as written (an interface, so editors show each field's documentation). */
export interface HostsInput {
  /** The block's name, one block per purpose ('cluster-ens3', 'cluster-wg0'): its marker lines say it. */
  name: string;
  /** The block's lines, exactly (lines outside it are left alone). Default none. */
  entries?: HostsEntryInput[] | undefined;
  /** present (default): the block is there with these entries; absent: the block is removed. */
  state?: 'present' | 'absent' | undefined;
  /** The file. Default /etc/hosts. */
  path?: string | undefined;
}

const hostsEntrySchema = z.strictObject({
  ip: z.union([z.ipv4(), z.ipv6()], { error: 'an IPv4 or IPv6 address' }),
  names: z.array(hostName).min(1, 'at least one name'),
});

const hostsEntry: DocumentedParams<typeof hostsEntrySchema, HostsEntryInput> = hostsEntrySchema;

const hostsParamsSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a block name of letters, digits, _ . -'),
    entries: z.array(hostsEntry).default([]),
    state: z.enum(['present', 'absent']).default('present'),
    path: absolutePath.default('/etc/hosts'),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.entries.forEach((entry, i) =>
      entry.names.forEach((n, j) => {
        const key = n.toLowerCase();
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', path: ['entries', i, 'names', j], message: `"${n}" is already in entries[${seen.get(key)}]: a name may map to one address per block` });
        } else seen.set(key, i);
      }),
    );
  });
const hostsParams: DocumentedParams<typeof hostsParamsSchema, HostsInput> = hostsParamsSchema;

export type HostsParams = z.output<typeof hostsParams>;

export interface HostsFacts {
  file: FileState;
}

/** A managed block of /etc/hosts entries per name; lines outside the block are left alone. */
export const hosts = defineModule({
  name: 'hosts',
  params: hostsParams,
  facts: (params) => ({ file: fileState(params.path, EDIT_CONTENT_LIMIT) }),
  plan: (facts, params): FileChange<'hosts'>[] => planEdit(hostsEdit(facts, params)),
  apply: (ctx, changes) => applyFile(ctx, changes),
  writes: (changes) => fileWrites(changes),
});

function hostsEdit(facts: HostsFacts, p: HostsParams): InPlaceEdit<'hosts'> {
  return namedBlockEdit('hosts', facts.file, {
    path: p.path,
    name: p.name,
    marker: HOSTS_MARKER,
    body: p.entries.map((e) => `${e.ip}\t${e.names.join(' ')}`),
    state: p.state,
    // /etc/hosts always exists on a real host; a test path may not.
    create: true,
  });
}
