// meshbook's modules from your own TypeScript, no playbook: check (and optionally set) a sysctl.
//   KEY=~/.ssh/id_ed25519 npx tsx examples/sysctl-check.ts 127.0.0.1 2222 [--apply]
import { connectSsh } from '@meshbook/engine';
import { sysctl } from '@meshbook/modules';

const [address = '127.0.0.1', port = '22', mode] = process.argv.slice(2);
const connection = await connectSsh({
  host: address,
  address,
  port: Number(port),
  user: 'root',
  privateKeyFile: process.env.KEY,
  knownHostsFile: process.env.KNOWN_HOSTS, // default ~/.ssh/known_hosts; host keys are always verified
});
try {
  const result = await sysctl.run(connection, { values: { 'net.ipv4.ip_forward': '1' } }, { check: mode !== '--apply', diff: true });
  console.log(result.changed ? `${result.check ? 'would change' : 'changed'}:\n${result.diff}` : 'already as wanted');
} finally {
  await connection.close();
}
