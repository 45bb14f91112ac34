import { describe, expect, it } from 'vitest';
import { main } from './cli.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = { HOME: '/nonexistent' }) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

describe('the cilium command line', () => {
  it('prints usage for a bare command group, exit 0', async () => {
    const r = await run(['clustermesh']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage:\n  cilium clustermesh \[command\]/);
    expect(r.out).toMatch(/  connect +Connect to a remote cluster/);
  });

  it('refuses an unknown command in cobra words', async () => {
    expect(await run(['install'])).toMatchObject({ code: 1, err: expect.stringContaining('Error: unknown command "install" for "cilium"') });
    expect(await run(['clustermesh', 'join'])).toMatchObject({ code: 1, err: expect.stringContaining('Error: unknown command "join" for "cilium clustermesh"') });
  });

  it('checks --service-type before touching any cluster', async () => {
    expect(await run(['clustermesh', 'enable'])).toEqual({ code: 1, out: '', err: "\nError: cannot auto-detect service type, please specify using '--service-type' option\n" });
    expect(await run(['clustermesh', 'enable', '--service-type', 'ClusterIP'])).toEqual({ code: 1, out: '', err: '\nError: service type "ClusterIP" is not valid\n' });
  });

  it('reports flag errors and a missing kubeconfig as errors, exit 1', async () => {
    expect((await run(['clustermesh', 'status', '--wait-duration', 'soon'])).err).toContain('invalid argument "soon" for "--wait-duration" flag');
    expect(await run(['status'], { HOME: '/nonexistent' })).toMatchObject({ code: 1, err: expect.stringContaining('Error: unable to create Kubernetes client: invalid configuration: no configuration has been provided') });
    expect(await run(['status', '--context', 'elsewhere'], { HOME: '/nonexistent', KUBECONFIG: '/nonexistent/a' })).toMatchObject({ code: 1, err: expect.stringContaining('Error: unable to create Kubernetes client:') });
  });
});
