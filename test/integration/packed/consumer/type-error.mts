// Must fail to type-check: a sysctl value that is neither a string nor a number.
import { sysctl } from '@meshbook/modules';

export const wrong: Parameters<typeof sysctl.run>[1] = { values: { 'net.ipv4.ip_forward': true } };
