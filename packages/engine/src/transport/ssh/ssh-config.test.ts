import { homedir } from 'node:os';
import SSHConfig from 'ssh-config';
import { describe, expect, it } from 'vitest';
import { parseJumpHop, resolveSshConfig } from './ssh-config.js';

const config = SSHConfig.parse(`
Host web
  HostName 10.0.0.5
  User alice
  Port 2222
  IdentityFile ~/.ssh/web_key
  ProxyJump bastion

Host db-*
  HostName %h.internal
  identityfile %d/.ssh/db_%r

Host direct
  ProxyJump none

Host *
  User fallback
  IdentityFile ~/.ssh/id_default
  ProxyJump jump.example.com
`);

describe('ssh config resolution', () => {
  it('resolves an alias: HostName, User, Port, IdentityFile (accumulating), ProxyJump', () => {
    expect(resolveSshConfig(config, 'web')).toEqual({
      hostName: '10.0.0.5',
      user: 'alice',
      port: 2222,
      identityFiles: [`${homedir()}/.ssh/web_key`, `${homedir()}/.ssh/id_default`],
      proxyJump: 'bastion',
      hostKeyAlias: undefined,
      strictHostKeyChecking: undefined,
      userKnownHostsFile: undefined,
      hashKnownHosts: undefined,
      serverAliveIntervalMs: undefined,
      serverAliveCountMax: undefined,
    });
  });

  it('reads the host key keywords: HostKeyAlias, StrictHostKeyChecking, UserKnownHostsFile, HashKnownHosts, ServerAlive* (issue 19, item 10)', () => {
    const keys = SSHConfig.parse(`
Host strict
  StrictHostKeyChecking ask
Host loose
  StrictHostKeyChecking no
  UserKnownHostsFile none
Host *
  HostKeyAlias %h-alias
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/known_hosts_meshbook ~/.ssh/known_hosts2
  HashKnownHosts yes
  ServerAliveInterval 15
  ServerAliveCountMax 5
`);
    expect(resolveSshConfig(keys, 'web')).toMatchObject({
      hostKeyAlias: '%h-alias',
      strictHostKeyChecking: 'accept-new',
      userKnownHostsFile: `${homedir()}/.ssh/known_hosts_meshbook`,
      hashKnownHosts: true,
      serverAliveIntervalMs: 15_000,
      serverAliveCountMax: 5,
    });
    expect(resolveSshConfig(keys, 'strict').strictHostKeyChecking).toBe('strict');
    expect(resolveSshConfig(keys, 'loose')).toMatchObject({ strictHostKeyChecking: 'off', userKnownHostsFile: '/dev/null' });
  });

  it('expands %h, %d and %r tokens and lets the first value win', () => {
    const resolved = resolveSshConfig(config, 'db-1');
    expect(resolved.hostName).toBe('db-1.internal');
    expect(resolved.user).toBe('fallback');
    expect(resolved.identityFiles[0]).toBe(`${homedir()}/.ssh/db_fallback`);
  });

  it('treats ProxyJump none as no jump', () => {
    expect(resolveSshConfig(config, 'direct').proxyJump).toBeUndefined();
  });

  it('returns nothing without a config', () => {
    expect(resolveSshConfig(undefined, 'web')).toEqual({ hostName: undefined, user: undefined, port: undefined, identityFiles: [], proxyJump: undefined });
  });

  it('parses ProxyJump hops', () => {
    expect(parseJumpHop('bastion')).toEqual({ user: undefined, host: 'bastion', port: undefined });
    expect(parseJumpHop('ops@bastion:2200')).toEqual({ user: 'ops', host: 'bastion', port: 2200 });
    expect(parseJumpHop('ssh://ops@[::1]:2200')).toEqual({ user: 'ops', host: '::1', port: 2200 });
  });
});
