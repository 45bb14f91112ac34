export { SshTransport } from './ssh-transport.js';
export { sha256Fingerprint } from './host-key.js';
export { connectSsh } from './connect-ssh.js';
export type { SshTransportOptions } from './connect-ssh.js';
