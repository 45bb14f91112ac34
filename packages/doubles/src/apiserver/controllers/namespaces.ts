// What every namespace gets from kube-controller-manager: the `default` ServiceAccount and the
// `kube-root-ca.crt` ConfigMap with the cluster CA.
import { ensure, modify } from '../internal-client.js';
import type { Context } from '../rest.js';
import type { Controller } from './run.js';

export function namespaceDefaults(caCertificate: string): Controller {
  return {
    name: 'namespace-defaults',
    watches: ['/namespaces/', '/serviceaccounts/', '/configmaps/'],
    reconcile(ctx: Context) {
      for (const namespace of ctx.store.list('/namespaces/')) {
        const ns = namespace.metadata.name;
        if (namespace.metadata.deletionTimestamp) continue;
        ensure(ctx, '', 'serviceaccounts', ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
        ensure(ctx, '', 'configmaps', ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: ns }, data: { 'ca.crt': caCertificate } });
        modify(ctx, '', 'configmaps', ns, 'kube-root-ca.crt', (cm) => { cm.data = { 'ca.crt': caCertificate }; });
      }
    },
  };
}
