// A CommonJS consumer of the published packages (compiled to require()): check a sysctl on a host.
import { connectSsh } from '@meshbook/engine';
import { sysctl } from '@meshbook/modules';

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
    const result = await sysctl.run(connection, { values: { 'net.ipv4.ip_forward': '1' } }, { check: true, diff: true });
    console.log(`cjs ${result.changed ? 'would change' : 'unchanged'}: ${result.changes.map((change) => change.summary).join('; ')}`);
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
