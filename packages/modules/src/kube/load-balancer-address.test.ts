import { describe, expect, it } from 'vitest';
import { kubeLoadBalancerAddress, loadBalancerAddressOf } from './load-balancer-address.js';

const service = (spec: Record<string, unknown>, ingress?: Array<{ ip?: string }>) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'clustermesh-apiserver', namespace: 'kube-system' }, spec, status: { loadBalancer: ingress ? { ingress } : {} },
});

describe('loadBalancerAddressOf', () => {
  it('the ingress IP and the first port', () => {
    expect(loadBalancerAddressOf(service({ type: 'LoadBalancer', ports: [{ name: 'apiserv', port: 2379 }] }, [{ ip: '10.197.1.190' }]))).toEqual({ address: '10.197.1.190', port: 2379 });
  });
  it('the named port', () => {
    const svc = service({ type: 'LoadBalancer', ports: [{ name: 'a', port: 1 }, { name: 'apiserv', port: 2379 }] }, [{ ip: '10.0.0.9' }]);
    expect(loadBalancerAddressOf(svc, 'apiserv')).toEqual({ address: '10.0.0.9', port: 2379 });
    expect(loadBalancerAddressOf(svc, 'other')).toEqual({ lacking: 'a port named other' });
  });
  it('pending (MetalLB without a pool): says what it lacks', () => {
    expect(loadBalancerAddressOf(service({ type: 'LoadBalancer', ports: [{ port: 2379 }] }))).toMatchObject({ lacking: expect.stringMatching(/^a LoadBalancer ingress address/) });
  });
  it('a NodePort service has no LoadBalancer address', () => {
    expect(loadBalancerAddressOf(service({ type: 'NodePort', ports: [{ port: 2379 }] }))).toEqual({ lacking: 'type LoadBalancer (it is NodePort)' });
  });
  it('params: a Service name and namespace, checked', () => {
    expect(() => kubeLoadBalancerAddress.parse({ name: 'Bad_Name' })).toThrow(/name/);
    expect(kubeLoadBalancerAddress.parse({ name: 'clustermesh-apiserver', namespace: 'kube-system' })).toMatchObject({ timeoutSeconds: 120 });
  });
});
