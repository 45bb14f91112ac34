// The YAML parser for the modules and the CLI too: the bundles inline their dependencies, and this
// keeps one copy of the parser per program instead of one per package.
export { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
