import { request } from 'node:http';
import type { ApiClient } from './api-client.js';

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1).replace(/\.?0+$/, '')}s`;
}

/** kubeadm's kubelet check: GET http://127.0.0.1:10248/healthz until it says ok. */
export async function waitForKubelet(out: (line: string) => void, timeoutMs = 240_000): Promise<void> {
  out('[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s');
  const started = Date.now();
  while (!(await kubeletHealthy())) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        'The HTTP call equal to \'curl -sSL http://127.0.0.1:10248/healthz\' returned error: Get "http://127.0.0.1:10248/healthz": context deadline exceeded\n\n' +
        'Unfortunately, an error has occurred, likely caused by:\n\t- The kubelet is not running\n\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)\n\n' +
        'If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:\n\t- \'systemctl status kubelet\'\n\t- \'journalctl -xeu kubelet\'',
      );
    }
    await sleep(250);
  }
  out(`[kubelet-check] The kubelet is healthy after ${formatSeconds(Date.now() - started)}`);
}

function kubeletHealthy(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: 10248, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** kubeadm's api-check: /healthz with the admin credentials until it answers ok. */
export async function waitForApiServer(client: ApiClient, out: (line: string) => void, timeoutMs = 240_000): Promise<void> {
  out('[api-check] Waiting for a healthy API server. This can take up to 4m0s');
  const started = Date.now();
  let lastError = '';
  for (;;) {
    try {
      await client.request('GET', '/healthz');
      break;
    } catch (error) {
      lastError = (error as Error).message;
      if (Date.now() - started > timeoutMs) {
        throw new Error(`could not check API server health: API server is not healthy: ${lastError}\n\nUnfortunately, an error has occurred, likely caused by the kube-apiserver not running: try 'systemctl status kube-apiserver' and 'journalctl -xeu kube-apiserver'`);
      }
      await sleep(250);
    }
  }
  out(`[api-check] The API server is healthy after ${formatSeconds(Date.now() - started)}`);
}
