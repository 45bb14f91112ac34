import type { Duplex } from 'node:stream';
import type { ShellCommand } from '../command.js';
import type { MeshbookError } from '../errors.js';
import type { Secret } from '../secret.js';
import type { HostLockRequest, HostLockState } from './host-lock.js';

/** How a command becomes another user: Ansible's become_method (sudo, su or doas). */
export type BecomeMethod = 'sudo' | 'su' | 'doas';

export const BECOME_METHODS: readonly BecomeMethod[] = ['sudo', 'su', 'doas'];

/**
 * Who a command runs as. `true` means root through the host's become method (sudo unless the
 * inventory or --become-method says otherwise), or directly when already root. An object names the
 * user (default root) and may pick the method for this play or task.
 */
export type Become = boolean | { user?: string; method?: BecomeMethod };

export interface RunOptions {
  /** Bytes given to the command's stdin; without it the command reads /dev/null, never the session. */
  stdin?: string | Buffer | Secret;
  /** Kills the command and everything it started (daemons included) when exceeded; the result is a TIMEOUT error. */
  timeoutMs?: number;
  signal?: AbortSignal;
  become?: Become;
  /** Extra environment, exported for this command only. */
  env?: Record<string, string>;
  cwd?: string;
  /** Called with output as it arrives (progress lines for long work such as apt installs). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Bytes of stdout and of stderr kept (default 8 MiB each); the rest is counted, dropped, and said in `truncated` and stderr. */
  maxOutputBytes?: number;
  /** Read-only commands sent with this one, run after it in the same round trip (CommandTrailer). */
  trailer?: CommandTrailer;
}

/**
 * Read-only commands that ride behind a command in its round trip (the runner's turn plan: the
 * facts a change made stale, read right after it). They run on the host only when the command
 * exited 0, in the same shell, as the same user; the command's own result, errors and timeout
 * are what they would be without them. `settle` gets their results, or undefined when they did
 * not run or did not all finish (the command failed, a timeout or a kill came first). A transport
 * that cannot send them with the command leaves `settle` uncalled.
 */
export interface CommandTrailer {
  readonly commands: readonly ShellCommand[];
  settle(results: CommandResult[] | undefined): void;
}

/** Limits and context of a batch: the same for every command in it; each command reads /dev/null. */
export type BatchOptions = Omit<RunOptions, 'stdin' | 'onOutput'>;

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
  /** Set when output went past the cap (RunOptions.maxOutputBytes): the bytes dropped per stream. */
  truncated?: { stdout: number; stderr: number };
}

export interface PutOptions {
  /** Octal mode such as 0o644; default 0o644. */
  mode?: number;
  owner?: string;
  group?: string;
  /**
   * An existing destination keeps its mode, owner and group, and where the host has them its
   * extended attributes (ACLs, SELinux context, file capabilities); mode, owner and group then
   * apply only to a new file. For files whose mode the module does not own (/etc/fstab, sysctl.d).
   */
  keepExisting?: boolean;
  /**
   * The destination's missing parent directories are made first (mkdir -p, mode from the umask),
   * in the same round trip as the write.
   */
  createParents?: boolean;
  /** Read-only commands sent with the write, run after it in the same round trip (CommandTrailer). */
  trailer?: CommandTrailer;
  become?: Become;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface GetOptions {
  become?: Become;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What a host's connection is opened with, besides the inventory's settings for it. */
export interface ConnectOptions {
  /** The run's host lock, taken while connecting (SSH: in the first kept shell, no round trip of its own). */
  hostLock?: HostLockRequest;
  /** Something about the connection the user should know (a host key accepted under accept-new). */
  onNotice?: (message: string) => void;
  /** Detail worth showing at -vvv (output dropped because it belonged to no command). */
  onDebug?: (message: string) => void;
}

/** Transport.lost: the connection went away. */
export interface ConnectionLoss {
  /** UNREACHABLE, naming the host and the cause. */
  error: MeshbookError;
  /** A command was running when it went: that command's outcome on the host is unknown. */
  duringCommand: boolean;
}

/** Counters a transport keeps so the recap and the bench can report round trips per host. */
export interface TransportStats {
  commands: number;
  roundTrips: number;
  bytesUp: number;
  bytesDown: number;
  /** Output that arrived outside any command's frame and was dropped (SSH: a background process still writing). */
  strayBytes?: number;
}

/**
 * How the engine reaches a host. Small on purpose: run a command, put a file atomically, get a
 * file, close. A non-zero exit code is a result, not an error; errors are for the transport itself
 * (unreachable, timeout, aborted, become failed), thrown as MeshbookError.
 */
export interface Transport {
  /** Inventory name of the host. */
  readonly host: string;
  readonly kind: 'ssh' | 'local' | (string & {});
  run(command: ShellCommand, options?: RunOptions): Promise<CommandResult>;
  /**
   * Runs commands one after another in one round trip, each framed apart (framing.ts): its own
   * stdout, stderr and exit code. Counted as one command. A command that ends the shell fails the
   * batch (no results are invented for the rest).
   */
  runBatch(commands: readonly ShellCommand[], options?: BatchOptions): Promise<CommandResult[]>;
  /**
   * Writes `content` to `path` atomically: a 0600 temp file in the destination directory, mode and
   * owner set, sha256 verified, renamed over the destination. The temp file is removed on failure.
   */
  put(path: string, content: string | Buffer, options?: PutOptions): Promise<void>;
  get(path: string, options?: GetOptions): Promise<Buffer>;
  stats(): TransportStats;
  close(): Promise<void>;
  /**
   * Set once the connection went away (nothing runs on it any more): why, and whether a command
   * was running then, whose outcome is unknown. Transports that cannot lose a connection leave it out.
   */
  readonly lost?: ConnectionLoss | undefined;
  /**
   * What the lock taken while connecting (ConnectOptions.hostLock) came to: the runner reads it
   * here instead of asking again. Undefined when connecting took no lock.
   */
  readonly hostLockState?: HostLockState;
  /**
   * Takes the host's run lock (host-lock.ts) for as long as the transport stays open. Transports
   * without it (the controller's local one, test fakes) are never locked.
   */
  lockHost?(request: HostLockRequest): Promise<HostLockState>;
  /**
   * A TCP connection opened from the host to `address:port` (SSH's direct-tcpip, what `ssh -L`
   * uses); the address is resolved on the host. Reaches what only the host can reach (an API on a
   * private address) without exposing it. Transports that cannot forward leave it out.
   */
  openTcp?(address: string, port: number, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<Duplex>;
  /**
   * Drops the connection and connects again with the same settings, trying until the host
   * answers or `timeoutMs` runs out (a host rebooted on purpose); the host lock is taken again.
   * What ModuleContext.reconnect uses for a module run as a library; a run opens a new connection
   * itself (Connections.reconnect). Modules never call it. Transports without a connection of
   * their own (the controller's) leave it out.
   */
  reconnect?(options: HostBackWait): Promise<void>;
}

/** How long to keep connecting to a host that went away on purpose (a reboot). */
export interface HostBackWait {
  /** How long the host may take to answer again. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Between attempts (default RECONNECT_RETRY_MS, reconnect-policy.ts). */
  retryDelayMs?: number | undefined;
  /** The host is back only when this holds on the new connection (a reboot: a new boot). */
  ready?: HostReady | undefined;
}

/**
 * Whether a host that answered again is back as waited for (a reboot: in a new boot): `true`, or
 * why not yet. Until it holds, a reconnect closes the new connection and tries again.
 */
export type HostReady = (transport: Transport) => Promise<true | string>;
