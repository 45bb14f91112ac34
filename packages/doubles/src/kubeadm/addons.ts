import { stringify } from 'yaml';
import type { ApiClient } from './api-client.js';
import { ipv4InSubnet, parseCidr } from './cidr.js';
import type { InitConfig } from './config.js';

const labels = (app: string) => ({ 'k8s-app': app });

/** kubeadm's `addon/coredns`: the objects CoreDNS is made of (no pod runs them here). */
export async function coreDnsAddon(client: ApiClient, config: InitConfig, out: (line: string) => void): Promise<void> {
  const ns = '/api/v1/namespaces/kube-system';
  const cidr = parseCidr(config.serviceSubnet.split(',')[0]!)!;
  await client.createOrUpdate(`${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } });
  await client.createOrUpdate(`${ns}/configmaps`, {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' },
    data: { Corefile: `.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes ${config.dnsDomain} in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n` },
  });
  await client.createOrUpdate('/apis/apps/v1/namespaces/kube-system/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system', labels: labels('kube-dns') },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels('kube-dns') },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: labels('kube-dns') },
        spec: {
          containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3', args: ['-conf', '/etc/coredns/Corefile'], ports: [{ containerPort: 53, name: 'dns', protocol: 'UDP' }, { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' }] }],
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'coredns',
          tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
        },
      },
    },
  });
  await client.createOrUpdate(`${ns}/services`, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels('kube-dns'), 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      clusterIP: ipv4InSubnet(cidr, 10),
      ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }, { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 }],
      selector: labels('kube-dns'),
    },
  });
  out('[addons] Applied essential addon: CoreDNS');
}

/** kubeadm's `addon/kube-proxy` (skipped with --skip-phases=addon/kube-proxy when Cilium replaces it). */
export async function kubeProxyAddon(client: ApiClient, config: InitConfig, server: string, out: (line: string) => void): Promise<void> {
  const ns = '/api/v1/namespaces/kube-system';
  await client.createOrUpdate(`${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kube-proxy', namespace: 'kube-system' } });
  const proxyConfig = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    clusterCIDR: config.podSubnet ?? '', mode: '',
    ...(config.componentConfigs.KubeProxyConfiguration ?? {}),
  };
  await client.createOrUpdate(`${ns}/configmaps`, {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
    data: {
      'config.conf': stringify(proxyConfig),
      'kubeconfig.conf': stringify({
        apiVersion: 'v1', kind: 'Config',
        clusters: [{ cluster: { 'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', server }, name: 'default' }],
        contexts: [{ context: { cluster: 'default', namespace: 'default', user: 'default' }, name: 'default' }],
        'current-context': 'default',
        users: [{ name: 'default', user: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }],
      }),
    },
  });
  await client.createOrUpdate('/apis/apps/v1/namespaces/kube-system/daemonsets', {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: labels('kube-proxy') },
    spec: {
      selector: { matchLabels: labels('kube-proxy') },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: labels('kube-proxy') },
        spec: {
          containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${config.kubernetesVersion}`, command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'] }],
          hostNetwork: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'kube-proxy',
          tolerations: [{ operator: 'Exists' }],
        },
      },
    },
  });
  out('[addons] Applied essential addon: kube-proxy');
}
