// The OpenStack double's executable (dist/bin/openstack-api.cjs): Keystone + Nova + Neutron ports.
import { main } from '../openstack/main.js';

main(process.argv.slice(2));
