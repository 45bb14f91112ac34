export { helmRepository } from './helm-repository.js';
export type { HelmRepositoryInput, HelmRepositoryChange, HelmRepositoryFacts, HelmRepo } from './helm-repository.js';
export { helmRelease } from './helm-release.js';
export type { HelmReleaseInput, HelmListedRelease, HelmReleaseChange, HelmReleaseFacts, HelmReleaseOutput } from './helm-release.js';
