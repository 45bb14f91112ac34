export {};
export * from './wireguard/index.js';
