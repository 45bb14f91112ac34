// A CommonJS consumer of the published packages (compiled to require()): check a sysctl on a host.
import { connectSsh } from '@meshbook/engine';
import { sysctl, type SysctlInput } from '@meshbook/modules';

// A params object typed on its own, as a library user writes one before passing it on.
const forwarding: SysctlInput = { values: { 'net.ipv4.ip_forward': '1' } };

async function main(): Promise<void> {
  const [address = '127.0.0.1', port = '22'] = process.argv.slice(2);
  const connection = await connectSsh({
    host: 'target',
    address,
    port: Number(port),
    user: 'root',
    privateKeyFile: process.env.KEY,
    knownHostsFile: process.env.KNOWN_HOSTS,
  });
  try {
    const result = await sysctl.run(connection, forwarding, { check: true, diff: true });
    console.log(`cjs ${result.changed ? 'would change' : 'unchanged'}: ${result.changes.map((change) => change.summary).join('; ')}`);
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
