// Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and field selectors
// (`metadata.name=x,status.phase!=Running`), as the list and watch query parameters carry them.
import type { KubeObject } from './store.js';

type Requirement = (values: Record<string, string>) => boolean;

export class SelectorError extends Error {}

export function parseLabelSelector(text: string | null | undefined): (object: KubeObject) => boolean {
  if (!text?.trim()) return () => true;
  const requirements: Requirement[] = [];
  for (const term of splitTerms(text)) {
    let match: RegExpMatchArray | null;
    if ((match = term.match(/^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/))) {
      const [, key, op, list] = match as unknown as [string, string, string, string];
      const values = list.split(',').map((v) => v.trim()).filter(Boolean);
      requirements.push(op === 'in' ? (l) => key in l && values.includes(l[key]!) : (l) => !(key in l) || !values.includes(l[key]!));
    } else if ((match = term.match(/^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/))) {
      const [, key, op, value] = match as unknown as [string, string, string, string];
      requirements.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((match = term.match(/^!\s*([^\s!=]+)$/))) {
      const key = match[1]!;
      requirements.push((l) => !(key in l));
    } else if ((match = term.match(/^([^\s!=()]+)$/))) {
      const key = match[1]!;
      requirements.push((l) => key in l);
    } else {
      throw new SelectorError(`unable to parse requirement: ${term}`);
    }
  }
  return (object) => {
    const labels = object.metadata?.labels ?? {};
    return requirements.every((r) => r(labels));
  };
}

export function parseFieldSelector(text: string | null | undefined): (object: KubeObject) => boolean {
  if (!text?.trim()) return () => true;
  const requirements: Array<(o: KubeObject) => boolean> = [];
  for (const term of splitTerms(text)) {
    const match = term.match(/^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/);
    if (!match) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, path, op, value] = match as unknown as [string, string, string, string];
    const read = (o: KubeObject) => {
      let at: any = o;
      for (const part of path.split('.')) at = at?.[part];
      return at === undefined || at === null ? '' : String(at);
    };
    requirements.push(op === '!=' ? (o) => read(o) !== value : (o) => read(o) === value);
  }
  return (object) => requirements.every((r) => r(object));
}

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) terms.push(current.trim());
  return terms;
}
