export type { ExecOptions, ExecResult, Fleet, FleetHost, FleetOptions } from './types.js';
export { startFleet } from './fleet.js';
export { ensureImage } from './image/build.js';
export { removeStaleFleets } from './stale.js';
export { SMALL_DISK_PATH } from './host-container.js';
export { assertDockerAvailable } from './docker.js';
export type { FleetHostSpec } from './types.js';
export { removeFleetContainers } from './fleet.js';
export { labUp, labDown, labStatus, type LabSpec, type LabHostStatus } from './lab.js';
export type { LabTopology, LabTopologyHost, LabNetwork, LabRoute, LabHostAddress } from './topology/types.js';
export { ensureLabImage, PLAYBOOK_PACKAGES } from './image/lab-image.js';
export { execInContainer } from './exec.js';
export { kubeClients, KUBECTL_VERSION, HELM_VERSION, type KubeClients } from './kube-clients.js';
export {
  STAND_INS_HOSTNAME,
  KUBE_PACKAGE_VERSION,
  HELM_PACKAGE_VERSION,
  CILIUM_CLI_VERSION,
  CILIUM_CHART_VERSIONS,
  METALLB_CHART_VERSIONS,
  LAB_CA_HOST_PATH,
  builtDoubles,
  standInUrls,
  type StandIns,
  type StandInUrls,
} from './stand-ins/index.js';
export { labPlanFrom, type LabPlan } from './lab-spec.js';
export { LAB_ROUTER, PUBLIC_NETWORK } from './topology/from-inventory.js';
export { labOpenStackStatus, openstackDoubleExecutable, openstackSeedHosts, startLabOpenStack, stopLabOpenStack } from './openstack-double.js';
export type { LabOpenStack, OpenStackSeedHost } from './openstack-double.js';
export { withFreeSubnets, freeOctet, dockerSubnets, dockerNetworkSubnets, isPoolOverlap, subnetsFor, type FreeOctetOptions, type SubnetPattern } from './topology/free-subnets.js';
