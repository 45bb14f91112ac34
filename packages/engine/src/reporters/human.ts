import type { EventListener, EventOf, MeshbookEvent } from '../events/types.js';
import { escapeControl, escapeControlDeep } from '../escape-control.js';
import { redact } from '../secret.js';
import { renderRecap } from './recap.js';
import { RunningHosts } from './running-hosts.js';
import { banner, colors, formatDuration, statusColor, wantsColor } from './style.js';
import type { Colors } from './style.js';
import type { OutputStream } from './stream.js';

export interface HumanReporterOptions {
  stream: OutputStream;
  /** 0 default; 1 (-v) change summaries, progress off a TTY, round trips; 2 (-vv) durations, notifications; 3 (-vvv) error codes and play hosts. */
  verbosity?: number;
  /** The live view's rows of running hosts on a terminal (default 10). */
  liveRows?: number;
  /** Overrides the TTY/NO_COLOR decision. */
  color?: boolean;
  /** Environment consulted for NO_COLOR/FORCE_COLOR; default process.env. */
  env?: Record<string, string | undefined>;
}

/** Cursor up `n` lines to the start of the first, and clear from there down. */
const clearBlock = (n: number) => `\r\u001b[${n}A\u001b[J`;
/** The terminal's live view is redrawn this often (elapsed times tick); off a terminal, a note this often. */
const TTY_REFRESH_MS = 1000;
const STILL_RUNNING_EVERY_MS = 10_000;

/**
 * Ansible-like terminal output: `PLAY [..]`, `TASK [..]`, one line per host result, diffs, warnings
 * and the `PLAY RECAP`. While a task runs, a live view: on a terminal, a block below the output
 * with one line per running host (task, time so far, its last output line) and `waiting on N
 * hosts`; off a terminal, `still running on a, b (40 s)` every 10 s.
 */
export class HumanReporter {
  readonly #stream: OutputStream;
  readonly #verbosity: number;
  readonly #c: Colors;
  readonly #tty: boolean;
  #check = false;
  /** The TASK header last printed; results of another task (hosts run in parallel) reprint theirs. */
  #header: string | undefined;
  readonly #running = new RunningHosts();
  readonly #liveRows: number;
  /** Lines of the live view now drawn on the terminal, below the output. */
  #drawn = 0;
  /** Whether the current task has run long enough (a tick) to show the view. */
  #viewShown = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HumanReporterOptions) {
    this.#stream = options.stream;
    this.#verbosity = options.verbosity ?? 0;
    this.#tty = options.stream.isTTY === true;
    this.#liveRows = options.liveRows ?? 10;
    this.#c = colors(options.color ?? wantsColor(options.stream.isTTY, options.env ?? process.env));
  }

  readonly listener: EventListener = (event) => this.handle(event);

  /** Stops the live view (its timer, its lines on the terminal): the run is over or abandoned. */
  close(): void {
    this.#stopTimer();
    this.#clearLive();
  }

  /**
   * Prints text from outside the events (exec's per-host output) in the run's output, above the
   * live view: its control sequences shown, never obeyed; secrets redacted.
   */
  print(text: string): void {
    this.#print(escapeControl(text.replace(/\n$/, '')));
    if (this.#tty && this.#viewShown) this.#drawLive();
  }

  handle(raw: MeshbookEvent): void {
    // Text from hosts (stderr, progress, a lock holder) may hold terminal control sequences: they
    // are shown, never obeyed. The reporter's own colours are added after this.
    const event = escapeControlDeep(raw);
    this.#running.update(event);
    this.#render(event);
    if (event.type === 'task.start') this.#startTimer();
    if (event.type === 'run.end') this.#stopTimer();
    // The view appears at the first tick (a task that ends within a second never shows one), then
    // follows every event.
    if (event.type === 'task.start') this.#viewShown = false;
    if (this.#tty && this.#viewShown) this.#drawLive();
  }

  #render(event: MeshbookEvent): void {
    switch (event.type) {
      case 'run.start':
        this.#check = event.check;
        if (event.check) this.#print(this.#c.bold('CHECK MODE: changes are planned and shown, nothing is applied'));
        return;
      case 'play.start':
        return this.#playStart(event);
      case 'task.start':
        return this.#taskHeader(event.play, event.task, event.handler);
      case 'host.result':
        return this.#hostResult(event);
      case 'host.retry':
        return this.#retry(event);
      case 'host.progress':
        return this.#progress(event);
      case 'block.start':
      case 'block.rescue':
      case 'block.always':
        return this.#blockPart(event);
      case 'handler.notified':
        if (this.#verbosity >= 2) {
          const verb = event.check ? 'would notify' : 'notified';
          this.#print(this.#c.dim(`  ${verb}: [${event.host}] -> ${event.handler}`));
        }
        return;
      case 'play.end':
        if (this.#verbosity >= 2) this.#print(this.#c.dim(`play [${event.play}] done in ${formatDuration(event.durationMs)}`));
        this.#header = undefined;
        return;
      case 'warning': {
        const where = event.host ? `[${event.host}] ` : '';
        this.#print(this.#c.magenta(`[WARNING]: ${where}${indent(event.message)}`));
        return;
      }
      case 'host.reconnect':
        this.#print(this.#c.magenta(`[RECONNECTED]: [${event.host}] ${indent(event.reason)}; the host lock was taken again and its cached facts dropped`));
        return;
      case 'host.debug':
        if (this.#verbosity >= 3) this.#print(this.#c.dim(`  [${event.host}] ${indent(event.message)}`));
        return;
      case 'recap':
        this.#print(...renderRecap(event, this.#c, this.#verbosity));
        return;
      case 'run.end':
        if (this.#verbosity >= 1) this.#print(this.#c.dim(`run outcome: ${event.outcome}`));
        return;
    }
  }

  #playStart(event: EventOf<'play.start'>): void {
    // A single batch (no serial) is the normal case and not worth a mention.
    const batch = event.batch && event.batch.of > 1 ? ` (batch ${event.batch.index}/${event.batch.of})` : '';
    const lines = ['', this.#c.bold(banner(`PLAY [${event.play}]${batch}`))];
    if (this.#verbosity >= 3) lines.push(this.#c.dim(`hosts: ${event.hosts.join(', ') || '(none)'}`));
    this.#header = undefined;
    this.#print(...lines);
  }

  #taskHeader(play: string, task: string, handler: boolean): void {
    const key = `${play}\u0000${task}\u0000${handler}`;
    if (this.#header === key) return;
    this.#header = key;
    this.#print('', this.#c.bold(banner(handler ? `RUNNING HANDLER [${task}]` : `TASK [${task}]`)));
  }

  /**
   * `BLOCK [name]`, `RESCUE [name] on h1, h2`, `ALWAYS [name]`: where a block's part begins. The
   * rescue names its hosts, the others do at -vvv (as a play's hosts are).
   */
  #blockPart(event: EventOf<'block.start' | 'block.rescue' | 'block.always'>): void {
    const c = this.#c;
    const label = event.type === 'block.rescue' ? c.cyan('RESCUE') : event.type === 'block.always' ? 'ALWAYS' : 'BLOCK';
    const hosts = event.type === 'block.rescue' || this.#verbosity >= 3 ? ` on ${event.hosts.join(', ')}` : '';
    this.#header = undefined;
    this.#print('', `${c.bold(`${label} [${event.block}]`)}${hosts}`);
  }

  #hostResult(event: EventOf<'host.result'>): void {
    this.#taskHeader(event.play, event.task, event.handler);
    const c = this.#c;
    const item = event.item === undefined ? '' : ` => (item=${event.item})`;
    const attempt = event.attempt && event.attempt.number > 1 ? c.dim(` (attempt ${event.attempt.number} of ${event.attempt.of})`) : '';
    const timing = attempt + (this.#verbosity >= 2 ? c.dim(` (${formatDuration(event.durationMs)})`) : '');
    const lines: string[] = [];
    if (event.status === 'failed' || event.status === 'unreachable' || event.ignored) {
      lines.push(...this.#failureLines(event, item, timing));
    } else if (event.status === 'ok') {
      lines.push(statusColor(c, 'ok')(`ok: [${event.host}]${item}`) + timing);
    } else if (event.status === 'changed') {
      const label = event.handler && this.#check ? 'would run' : 'changed';
      const marker = event.knownAfterApply ? c.dim(' (known after apply)') : '';
      lines.push(statusColor(c, 'changed')(`${label}: [${event.host}]${item}`) + marker + timing);
    } else {
      lines.push(statusColor(c, 'skipped')(`skipping: [${event.host}]${item}`) + timing);
    }
    const isSummary = event.changes.some((change) => change.summary === event.message);
    if (event.message && !event.error && !isSummary && this.#verbosity >= 1) {
      lines.push(c.dim(`  ${indent(event.message)}`));
    }
    // Check mode exists to show the plan, so its change summaries are always printed.
    if (event.changes.length > 0 && (this.#check || this.#verbosity >= 1)) {
      for (const change of event.changes) lines.push(`  ${c.yellow('~')} ${change.summary}`);
    }
    if (event.diff) lines.push(...colorDiff(event.diff, c));
    this.#print(...lines);
  }

  /**
   * `FAILED - RETRYING: [host] (attempt 1 of 4, next in 5 s) => headline`, as Ansible says it; the
   * detail of the error comes with the final result, not with every attempt.
   */
  #retry(event: EventOf<'host.retry'>): void {
    this.#taskHeader(event.play, event.task, event.handler);
    const c = this.#c;
    const item = event.item === undefined ? '' : ` => (item=${event.item})`;
    const headline = event.error?.message ?? (event.status === 'failed' ? event.message?.split('\n')[0] : `until not met (${event.status})`);
    const { number, of } = event.attempt;
    const when = `attempt ${number} of ${of}, ${of - number} ${of - number === 1 ? 'retry' : 'retries'} left, next in ${formatDuration(event.delaySeconds * 1000)}`;
    this.#print(c.yellow(`FAILED - RETRYING: [${event.host}]${item} (${when})${headline ? ` => ${indent(headline)}` : ''}`));
  }

  /**
   * `failed: [host] => message`, then what the error's describe() adds (command, exit code, stderr,
   * fix) minus the host, which the line already names. An ignored failure ends in `...ignoring`.
   */
  #failureLines(event: EventOf<'host.result'>, item: string, timing: string): string[] {
    const c = this.#c;
    const label = event.status === 'unreachable' ? 'unreachable' : 'failed';
    const headline = event.error?.message ?? event.message?.split('\n')[0] ?? '';
    const code = this.#verbosity >= 3 && event.error ? `[${event.error.code}] ` : '';
    const detail = headline ? ` => ${code}${indent(headline)}` : '';
    const ignoring = event.ignored ? c.cyan(' ...ignoring') : event.rescue ? c.cyan(' ...rescuing') : '';
    const color = statusColor(c, event.status === 'unreachable' ? 'unreachable' : 'failed');
    const lines = [color(`${label}: [${event.host}]${item}${detail}`) + ignoring + timing];
    const described = event.message?.startsWith(headline) ? event.message.slice(headline.length) : '';
    const extra = described.split('\n').filter((line) => line.trim() !== '' && !/^\s*host: /.test(line));
    lines.push(...extra);
    if (event.error?.hint && !extra.some((line) => line.trimStart().startsWith('fix:'))) lines.push(`  fix: ${indent(event.error.hint)}`);
    return lines;
  }

  /** On a terminal the live view shows it; off one, -v prints every line. */
  #progress(event: EventOf<'host.progress'>): void {
    if (!this.#tty && this.#verbosity >= 1) this.#print(this.#c.dim(`  [${event.host}] ${event.line.trim().replace(/\s+/g, ' ')}`));
  }

  #startTimer(): void {
    this.#stopTimer();
    const every = this.#tty ? TTY_REFRESH_MS : STILL_RUNNING_EVERY_MS;
    this.#timer = setInterval(() => {
      if (this.#tty) {
        this.#viewShown = true;
        return this.#drawLive();
      }
      const note = this.#running.stillRunning(Date.now());
      if (note) this.#print(this.#c.dim(note));
    }, every);
    // The view never keeps a finished program alive.
    this.#timer.unref?.();
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #drawLive(): void {
    const width = Math.max(20, (this.#stream.columns || 80) - 1); // a pseudo-terminal may report 0 columns
    const lines = this.#running.lines(Date.now(), this.#liveRows).map((line) => this.#c.dim(truncate(line, width)));
    if (lines.length === 0 && this.#drawn === 0) return;
    this.#stream.write(redact((this.#drawn > 0 ? clearBlock(this.#drawn) : '') + lines.map((line) => `${line}\n`).join('')));
    this.#drawn = lines.length;
  }

  #clearLive(): void {
    if (this.#drawn === 0) return;
    this.#stream.write(clearBlock(this.#drawn));
    this.#drawn = 0;
  }

  #print(...lines: string[]): void {
    this.#clearLive();
    // Events arrive redacted; scrubbing again keeps the terminal safe from a missed path.
    this.#stream.write(redact(`${lines.join('\n')}\n`));
  }
}

export function createHumanReporter(options: HumanReporterOptions): EventListener {
  return new HumanReporter(options).listener;
}

function indent(text: string): string {
  return text.replace(/\n/g, '\n  ');
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function colorDiff(diff: string, c: Colors): string[] {
  return diff.replace(/\n$/, '').split('\n').map((line) => {
    if (line.startsWith('+++') || line.startsWith('---')) return c.bold(line);
    if (line.startsWith('+')) return c.green(line);
    if (line.startsWith('-')) return c.red(line);
    if (line.startsWith('@@')) return c.cyan(line);
    return line;
  });
}
