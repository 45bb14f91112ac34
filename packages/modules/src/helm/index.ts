export { helmRepository } from './helm-repository.js';
export type { HelmRepositoryChange, HelmRepositoryFacts, HelmRepo } from './helm-repository.js';
export { helmRelease } from './helm-release.js';
export type { HelmListedRelease, HelmReleaseChange, HelmReleaseFacts, HelmReleaseOutput } from './helm-release.js';
