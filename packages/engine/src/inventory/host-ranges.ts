/**
 * Ansible's host ranges: `web[01:03]` is web01, web02, web03; `db-[a:c]` is db-a, db-b, db-c; an
 * optional stride: `node[0:10:5]`. Several ranges in one name multiply. Names without brackets are
 * returned as they are. Throws a plain Error with the reason on a malformed range.
 */
export function expandHostRange(name: string): string[] {
  const match = /^(.*?)\[([^\]]*)\](.*)$/.exec(name);
  if (!match) return [name];
  const [, head = '', range = '', tail = ''] = match;
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`range [${range}] must be [start:end] or [start:end:stride]`);
  const [start = '', end = '', strideText = '1'] = parts;
  const stride = Number(strideText);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`range stride "${strideText}" must be a whole number >= 1`);
  return values(start, end, stride).flatMap((value) => expandHostRange(`${head}${value}${tail}`));
}

function values(start: string, end: string, stride: number): string[] {
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    // A leading zero in the start fixes the width: [01:10] gives 01 .. 10.
    const width = start.startsWith('0') && start.length > 1 ? start.length : 0;
    const from = Number(start);
    const to = Number(end);
    if (from > to) throw new Error(`range start ${start} is after its end ${end}`);
    const out: string[] = [];
    for (let n = from; n <= to; n += stride) out.push(String(n).padStart(width, '0'));
    return out;
  }
  if (/^[a-z]$/.test(start) && /^[a-z]$/.test(end)) {
    const from = start.charCodeAt(0);
    const to = end.charCodeAt(0);
    if (from > to) throw new Error(`range start ${start} is after its end ${end}`);
    const out: string[] = [];
    for (let c = from; c <= to; c += stride) out.push(String.fromCharCode(c));
    return out;
  }
  throw new Error(`range [${start}:${end}] must be two numbers or two lowercase letters`);
}
