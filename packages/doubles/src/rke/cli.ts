import { resolve } from 'node:path';
import { RkeConfigError } from './cluster-config.js';
import { RkeHostError } from './dialer.js';
import { up } from './up.js';

export const RKE_VERSION = 'v1.8.5';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** logrus' text format as rke prints it: `INFO[0003] message`, seconds since start. */
function logger(io: Io, started: number) {
  return (level: 'INFO' | 'WARN' | 'FATA') => (line: string) => {
    const secs = String(Math.floor((Date.now() - started) / 1000)).padStart(4, '0');
    for (const l of line.split('\n')) io.err(`${level}[${secs}] ${l}`);
  };
}

const USAGE = `NAME:
   rke - Rancher Kubernetes Engine, an extremely simple, lightning fast Kubernetes installer that works everywhere (meshbook double)

USAGE:
   rke [global options] command [command options] [arguments...]

VERSION:
   ${RKE_VERSION}

COMMANDS:
   up       Bring the cluster up

GLOBAL OPTIONS:
   --help, -h     show help
   --version, -v  print the version`;

/** `rke --version`, `rke up [--config cluster.yml]`; exit 1 with a FATA line on failure, as rke. */
export async function main(argv: string[], io: Io, binDir: string): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(`rke version ${RKE_VERSION}`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (argv[0] !== 'up') {
    io.err(`No help topic for '${argv[0]}'`);
    return 3;
  }
  let configFile = 'cluster.yml';
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') configFile = argv[++i] ?? '';
    else if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    else {
      io.err(`Incorrect Usage: flag provided but not defined: ${a}`);
      return 1;
    }
  }
  const log = logger(io, Date.now());
  log('INFO')(`Running RKE version: ${RKE_VERSION}`);
  try {
    await up({ configFile: resolve(configFile), binDir, nodeRuntime: process.execPath, log: log('INFO') });
    return 0;
  } catch (error) {
    if (error instanceof RkeConfigError || error instanceof RkeHostError) {
      log('FATA')((error as Error).message);
      return 1;
    }
    throw error;
  }
}

