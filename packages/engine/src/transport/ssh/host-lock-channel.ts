import type { Client, ClientChannel } from 'ssh2';
import { quote } from '../../command.js';
import { MeshbookError } from '../../errors.js';
import { hostLockScript, parseHostLockReply, type HostLockRequest, type HostLockState } from '../host-lock.js';
import type { SessionCounters } from './shell-session.js';

/** Beyond the remote wait: how long a host that stopped answering may take to reply at all. */
const REPLY_SLACK_MS = 15_000;

/**
 * Runs the host lock script on its own exec channel: one round trip. When the lock is held the
 * channel stays open (its remote `cat` is what keeps the lock) and is returned; it closes with
 * the connection. Any other answer closes it.
 */
export function openHostLockChannel(
  client: Client,
  host: string,
  request: HostLockRequest,
  counters: SessionCounters,
): Promise<{ state: HostLockState; channel: ClientChannel | undefined }> {
  const command = `/bin/sh -c ${quote(hostLockScript(request))}`;
  counters.roundTrip();
  counters.bytesUp(Buffer.byteLength(command));
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) {
        reject(new MeshbookError('UNREACHABLE', `cannot open a channel for the host lock on ${host}: ${error.message}`, { host, cause: error }));
        return;
      }
      let output = '';
      let stderr = '';
      let settled = false;
      const timer = setTimeout(() => fail(`no answer within ${request.waitMs + REPLY_SLACK_MS} ms`), request.waitMs + REPLY_SLACK_MS);
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        channel.off('data', onData);
        channel.off('close', onClose);
      };
      const fail = (why: string) => {
        if (settled) return;
        finish();
        channel.close();
        reject(new MeshbookError('HOST_LOCKED', `cannot take the meshbook lock on ${host}: ${why}`, { host, stderr }));
      };
      const onData = (chunk: Buffer) => {
        counters.bytesDown(chunk.length);
        output += chunk.toString('utf8');
        const reply = parseHostLockReply(output);
        if (reply === undefined || settled) return;
        if (reply.state === 'error') return fail(reply.message);
        finish();
        if (reply.state !== 'held') channel.close();
        resolve({ state: reply, channel: reply.state === 'held' ? channel : undefined });
      };
      const onClose = () => fail(`the lock process ended without an answer${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
      channel.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      channel.on('data', onData);
      channel.on('close', onClose);
    });
  });
}
