export { prepareStandIns, launchStandIns, resumeStandIns, prepareStandInsTls, removeStandInsFiles, LABEL_ROLE, ROLE_STAND_INS, type StandIns } from './stand-ins.js';
export { trustLabCa, LAB_CA_HOST_PATH } from './trust.js';
export {
  STAND_INS_HOSTNAME,
  KUBE_PACKAGE_VERSION,
  HELM_PACKAGE_VERSION,
  CILIUM_CLI_VERSION,
  CILIUM_CHART_VERSIONS,
  METALLB_CHART_VERSIONS,
  DOCKER_SUITE,
  PATHS as STAND_IN_PATHS,
  standInUrls,
  type StandInUrls,
} from './site-layout.js';
export type { SiteManifest } from './site.js';
export { builtDoubles, DOUBLES_LIB, RUNTIME_PACKAGE } from './packages.js';
