#!/usr/bin/env node
// The lab's kubelet double: /usr/bin/kubelet, run by kubelet.service (see packages/doubles/systemd).
import { klog, runKubelet } from '../kubelet/kubelet.js';

runKubelet(process.argv.slice(2)).catch((error: Error) => {
  // kubelet's own words for a fatal start error; systemd restarts it (Restart=always), as it crash-loops in production
  klog('E', `"command failed" err="${error.message.replace(/"/g, '\\"')}"`, 'run.go:72');
  process.exit(1);
});
