import { registerSecretText } from '@meshbook/engine';

/**
 * What `helm upgrade --install --debug` prints after its work: the release as stored (values,
 * computed values, hooks, manifest) and its NOTES, any of which may hold the values (a chart's
 * NOTES.txt may print a password; a manifest holds a Secret's data in base64).
 */
const RELEASE_SECTIONS = /^(USER-SUPPLIED VALUES|COMPUTED VALUES|HOOKS|MANIFEST|NOTES):/;

/** The forms a secret value takes in helm's output: as given, JSON-escaped, base64 (a Secret's data). */
export function secretForms(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64').replace(/=+$/, '')];
  return [...new Set(forms.filter((f) => f.length >= 4))];
}

/**
 * A line filter for helm's output on its way to the live view: helm's debug log (stderr) and its
 * first lines (stdout) pass, every secret value's forms replaced by ***; from the first release
 * section on, stdout is dropped, said once. The forms are registered as secret text too, so no
 * other output path (errors, events) shows them either.
 */
export function helmProgressMask(secrets: readonly string[]): (line: string, stream: 'stdout' | 'stderr') => string {
  const forms = secrets.flatMap(secretForms).sort((a, b) => b.length - a.length);
  forms.forEach(registerSecretText);
  let inRelease = false;
  let failed = false;
  return (line, stream) => {
    // After its `Error: …` line, helm --debug prints the error again with a Go stack trace.
    if (stream === 'stderr') {
      if (failed) return '';
      if (line.startsWith('Error: ')) failed = true;
    }
    if (stream === 'stdout') {
      if (inRelease) return '';
      if (RELEASE_SECTIONS.test(line)) {
        inRelease = true;
        return '(the release\'s values, manifest and NOTES are not shown)';
      }
    }
    let out = line;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join('***');
    return out;
  };
}

/** helm --debug's stderr without the Go stack trace it prints after the `Error: …` line. */
export function withoutStackTrace(stderr: string): string {
  const lines = stderr.split('\n');
  const error = lines.findIndex((l) => l.startsWith('Error: '));
  return error < 0 ? stderr : lines.slice(0, error + 1).join('\n');
}
