export {};
export * from './wireguard/index.js';
export * from './toml-file.js';
