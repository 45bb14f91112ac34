// A playbook in the consumer project, run by the installed `meshbook` bin.
import { definePlaybook, task } from '@meshbook/engine';
import { sysctl } from '@meshbook/modules';

export default definePlaybook({
  name: 'forwarding',
  plays: [{ name: 'forward packets', hosts: 'all', tasks: [task(sysctl, { values: { 'net.ipv4.ip_forward': '1' } }, { name: 'ip_forward on' })] }],
});
