export { decryptVault, isVaultText, type VaultPassword } from './vault.js';
export { readVaultPasswordFile } from './password.js';
