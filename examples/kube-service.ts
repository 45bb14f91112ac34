// kubeResource from your own TypeScript, no playbook and no kubectl: a typed Service applied to the
// cluster of a host's ~/.kube/config, through that host's SSH connection (a TCP forward from the
// host, so an API on the host's loopback or a private address is reached).
//   KEY=~/.ssh/id_ed25519 npx tsx examples/kube-service.ts 127.0.0.1 2222 [--apply]
import type { Service } from 'kubernetes-types/core/v1.js';
import { connectSsh } from '@meshbook/engine';
import { kubeResource } from '@meshbook/modules';

const [address = '127.0.0.1', port = '22', mode] = process.argv.slice(2);
const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace: 'default', labels: { app: 'hello' } },
  spec: { selector: { app: 'hello' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
};

const connection = await connectSsh({
  host: address,
  address,
  port: Number(port),
  user: 'root',
  privateKeyFile: process.env.KEY,
  knownHostsFile: process.env.KNOWN_HOSTS, // default ~/.ssh/known_hosts; host keys are always verified
});
try {
  const result = await kubeResource.run(connection, { object: service }, { check: mode !== '--apply', diff: true });
  if (result.changed) console.log(`${result.check ? 'would change' : 'changed'}:\n${result.diff}`);
  else console.log('already as declared');
  // The live object, typed: after apply (or when nothing changed) the API's answer.
  if (!result.check || !result.changed) console.log(`clusterIP: ${(result.output as Service).spec?.clusterIP}`);
} finally {
  await connection.close();
}
