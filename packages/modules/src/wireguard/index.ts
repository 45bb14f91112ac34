export { wireguardKey, type WireguardKeyInput } from './key.js';
export { wireguardInterface, type WireguardInterfaceInput, type WireguardPeerInput } from './interface.js';
export { wireguardPeers, type MeshMember, type MeshOptions } from './topology.js';
export { renderWireguardConfig, type WireguardPeer, type WireguardInterfaceSettings } from './config.js';
export { interfaceParam as wireguardInterfaceName } from './params.js';
