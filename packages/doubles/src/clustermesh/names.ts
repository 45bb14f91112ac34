// The names cilium-cli and the cilium chart use (cilium-cli `defaults/defaults.go`), so that
// kubectl shows the same objects as in production.
export const defaultNamespace = 'kube-system';
export const configMapName = 'cilium-config';
export const caSecretName = 'cilium-ca';
export const serviceName = 'clustermesh-apiserver';
export const deploymentName = 'clustermesh-apiserver';
export const serverCertSecret = 'clustermesh-apiserver-server-cert';
export const adminCertSecret = 'clustermesh-apiserver-admin-cert';
export const remoteCertSecret = 'clustermesh-apiserver-remote-cert';
export const clusterMeshSecret = 'cilium-clustermesh';
export const agentDaemonSet = 'cilium';
export const operatorDeployment = 'cilium-operator';
export const servicePort = 2379;
export const defaultNodePort = 32379;
export const maxConnectedClustersDefault = 255;
export const globalServiceAnnotation = 'service.cilium.io/global';
export const clusterLabel = 'io.cilium.k8s.policy.cluster';
/** The label on the objects the double imports from remote clusters. */
export const managedByValue = 'endpointslicesync.clustermesh.cilium.io';
/** The name the TLS server certificate carries for every cluster (`<cluster>.mesh.cilium.io`). */
export const meshDomain = 'mesh.cilium.io';
export const cliVersion = 'v0.16.22';
/**
 * On the clustermesh-apiserver Deployment: the node the double runs on. NodePort answers on every
 * node in production; here only on that one, so the access address is that node's.
 */
export const runsOnNodeAnnotation = 'lab.meshbook.io/clustermesh-apiserver-node';
