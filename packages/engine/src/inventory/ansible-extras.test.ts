import { describe, expect, it } from 'vitest';
import { rejection, tempInventory } from './__fixtures__/temp-inventory.js';
import { loadInventory } from './load.js';

describe('an inventory plugin file', () => {
  it.each(['hetzner.hcloud.hcloud', 'openstack.cloud.openstack'])('%s gets one message with the export command', async (plugin) => {
    const dir = await tempInventory({ 'cloud.hcloud.yml': `plugin: ${plugin}\nkeyed_groups:\n  - key: labels\ntoken: x\n` });
    const error = await rejection(loadInventory(`${dir}/cloud.hcloud.yml`));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toBe(`${dir}/cloud.hcloud.yml configures the Ansible inventory plugin ${plugin}; meshbook does not run inventory plugins`);
    expect(error.hint).toBe(`export the hosts it produces once with Ansible: ansible-inventory -i ${dir}/cloud.hcloud.yml --list -y > hosts.yaml, then pass -i hosts.yaml`);
  });
});

describe('Jinja in inventory values', () => {
  it('warns once per variable, naming the hosts and the variable', async () => {
    const dir = await tempInventory({
      hosts: '[web]\nw1\nw2 ansible_host="{{ w2_ip }}" w2_ip=192.0.2.2\n[web:vars]\nbase_port=8000\n',
      'group_vars/web.yaml': 'app_port: "{{ base_port + 1 }}"\nlisten:\n  - "0.0.0.0:{{ app_port }}"\nplain: text\n',
    });
    const inventory = await loadInventory(dir);
    expect(inventory.warnings).toEqual([
      'hosts w1, w2: variable app_port holds a Jinja expression ("{{ base_port + 1 }}") that meshbook does not evaluate: it stays that text',
      'hosts w1, w2: variable listen[0] holds a Jinja expression ("0.0.0.0:{{ app_port }}") that meshbook does not evaluate: it stays that text',
    ]);
    expect(inventory.hosts.get('w2')?.connection.address).toBe('192.0.2.2');
  });
});

describe('command-line connection defaults (-u, --private-key, -b)', () => {
  it('apply where the inventory sets nothing; the inventory wins where it does', async () => {
    const dir = await tempInventory({ hosts: '[web]\nw1\nw2 ansible_user=admin ansible_become=false\n' });
    const inventory = await loadInventory(dir, { defaultVars: { ansible_user: 'deploy', ansible_ssh_private_key_file: '/keys/id', ansible_become: true } });
    expect(inventory.hosts.get('w1')?.connection).toMatchObject({ user: 'deploy', privateKeyFile: '/keys/id', become: true });
    expect(inventory.hosts.get('w2')?.connection).toMatchObject({ user: 'admin', privateKeyFile: '/keys/id' });
    expect(inventory.hosts.get('w2')?.connection.become).toBeFalsy();
  });

  it("are not the host's become variables, which override a play's become user and method: only the inventory's and -e's are", async () => {
    const dir = await tempInventory({ hosts: '[web]\nw1\nw2 ansible_become_user=app\nw3 ansible_become=false ansible_become_method=su\n' });
    const inventory = await loadInventory(dir, { defaultVars: { ansible_become: true, ansible_become_method: 'doas' }, extraVars: { ansible_become_user: 'ops' } });
    const connection = (host: string) => inventory.hosts.get(host)!.connection;
    // -b and --become-method are the default where no keyword says otherwise...
    expect(connection('w1')).toMatchObject({ become: { user: 'ops' }, becomeMethod: 'doas' });
    // ...but only the variables (here -e ansible_become_user, and w3's own) rank over the keywords.
    expect(connection('w1').becomeVariables).toEqual({ user: 'ops' });
    expect(connection('w2').becomeVariables).toEqual({ user: 'ops' });
    expect(connection('w3').becomeVariables).toEqual({ user: 'ops', method: 'su' });
    const plain = await loadInventory(dir);
    expect(plain.hosts.get('w1')!.connection.becomeVariables).toBeUndefined();
    expect(plain.hosts.get('w2')!.connection.becomeVariables).toEqual({ user: 'app' });
  });
});
