import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { docker } from './docker.js';
import type { ExecOptions, ExecResult } from './types.js';

/** docker exec with separate stdout/stderr, optional stdin, and the exit code. */
export async function execInContainer(containerId: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const container = docker().getContainer(containerId);
  const hasStdin = opts.stdin !== undefined;
  const exec = await container.exec({
    Cmd: argv,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: hasStdin,
    ...(opts.user ? { User: opts.user } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: hasStdin });
  const output = collectOutput(stream);
  if (hasStdin) stream.end(opts.stdin);
  const { stdout, stderr } = await output;
  const { ExitCode } = await exec.inspect();
  return { stdout, stderr, exitCode: ExitCode ?? -1 };
}

function collectOutput(stream: NodeJS.ReadWriteStream): Promise<{ stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  (docker().modem as Docker['modem'] & { demuxStream: DemuxStream }).demuxStream(stream, stdout, stderr);
  stream.on('end', () => {
    stdout.end();
    stderr.end();
  });
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    Promise.all([readAll(stdout), readAll(stderr)]).then(([out, err]) => resolve({ stdout: out, stderr: err }), reject);
  });
}

type DemuxStream = (stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream) => void;

async function readAll(stream: PassThrough): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** Like execInContainer, but a non-zero exit is an error carrying the output. */
export async function execOrThrow(containerId: string, argv: string[], opts: ExecOptions = {}): Promise<string> {
  const result = await execInContainer(containerId, argv, opts);
  if (result.exitCode !== 0) {
    throw new Error(`${argv.join(' ')} failed in ${containerId.slice(0, 12)} (exit ${result.exitCode}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}
