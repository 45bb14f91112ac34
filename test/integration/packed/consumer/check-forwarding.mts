// An ES module consumer of the published packages: check (or with --apply, set) a sysctl on a host.
import { connectSsh, MeshbookError } from '@meshbook/engine';
import { sysctl, type SysctlInput } from '@meshbook/modules';

// A params object typed on its own, as a library user writes one before passing it on.
const forwarding: SysctlInput = { values: { 'net.ipv4.ip_forward': '1' } };

const [address = '127.0.0.1', port = '22', mode] = process.argv.slice(2);
const connection = await connectSsh({
  host: 'target',
  address,
  port: Number(port),
  user: 'root',
  privateKeyFile: process.env.KEY,
  knownHostsFile: process.env.KNOWN_HOSTS,
});
try {
  const result = await sysctl.run(connection, forwarding, { check: mode !== '--apply', diff: true });
  const wanted: string = result.changes.map((change) => change.summary).join('; ');
  console.log(`esm ${result.changed ? (result.check ? 'would change' : 'changed') : 'unchanged'}: ${wanted}`);
} catch (error) {
  console.error(error instanceof MeshbookError ? `meshbook error ${error.code}: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await connection.close();
}
