import type { Vars } from './types.js';
import { connectionFieldOf, templateReference } from './connection-vars.js';

const JINJA = /\{\{|\{%/;

/**
 * Variables whose value holds a Jinja expression meshbook does not evaluate. The one form it does
 * resolve, `{{ name }}` in a connection variable (`ansible_host: "{{ ip }}"`), is not reported.
 * Returns one line per variable (its path inside nested values), without the host.
 */
export function unevaluatedJinja(vars: Readonly<Vars>): string[] {
  const found: string[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (JINJA.test(value)) found.push(`variable ${path} holds a Jinja expression (${JSON.stringify(shorten(value))}) that meshbook does not evaluate: it stays that text`);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [key, inner] of Object.entries(value)) visit(inner, `${path}.${key}`);
    }
  };
  for (const [key, value] of Object.entries(vars)) {
    if (connectionFieldOf(key) !== undefined && templateReference(value) !== undefined) continue;
    visit(value, key);
  }
  return found;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
