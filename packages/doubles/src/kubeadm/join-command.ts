/**
 * kubeadm's join command (cmd/util/join.go). In init's closing text it is split over lines with
 * ` \` and a tab; `token create --print-join-command` prints it on one line (with a trailing space).
 */
export interface JoinCommand {
  endpoint: string;
  token: string;
  caCertHash: string;
  controlPlane?: boolean;
  certificateKey?: string;
}

export function joinCommandLines(cmd: JoinCommand): string[] {
  const lines = [`kubeadm join ${cmd.endpoint} --token ${cmd.token} \\`, `\t--discovery-token-ca-cert-hash ${cmd.caCertHash} `];
  if (cmd.controlPlane) {
    lines[1] += '\\';
    lines.push(`\t--control-plane ${cmd.certificateKey ? `--certificate-key ${cmd.certificateKey}` : ''}`);
  }
  return lines;
}

export function joinCommandOneLine(cmd: JoinCommand): string {
  return joinCommandLines(cmd).map((l) => l.replace(/\\$/, '').replace(/^\t/, '')).join('');
}

/** The text kubeadm init prints when it is done. */
export function initDoneText(worker: JoinCommand, options: { controlPlaneEndpoint: boolean; certificateKey?: string }): string {
  const text = [
    'Your Kubernetes control-plane has initialized successfully!',
    '',
    'To start using your cluster, you need to run the following as a regular user:',
    '',
    '  mkdir -p $HOME/.kube',
    '  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config',
    '  sudo chown $(id -u):$(id -g) $HOME/.kube/config',
    '',
    'Alternatively, if you are the root user, you can run:',
    '',
    '  export KUBECONFIG=/etc/kubernetes/admin.conf',
    '',
    'You should now deploy a pod network to the cluster.',
    'Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:',
    '  https://kubernetes.io/docs/concepts/cluster-administration/addons/',
    '',
  ];
  if (options.controlPlaneEndpoint) {
    const cp = joinCommandLines({ ...worker, controlPlane: true, certificateKey: options.certificateKey }).map((l, i) => (i === 0 ? `  ${l}` : l));
    if (options.certificateKey) {
      text.push(
        'You can now join any number of the control-plane node running the following command on each as root:',
        '',
        ...cp,
        '',
        'Please note that the certificate-key gives access to cluster sensitive data, keep it secret!',
        'As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use',
        '"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.',
        '',
      );
    } else {
      text.push(
        'You can now join any number of control-plane nodes by copying certificate authorities',
        'and service account keys on each node and then running the following as root:',
        '',
        ...cp,
        '',
      );
    }
  }
  text.push('Then you can join any number of worker nodes by running the following on each as root:', '', ...joinCommandLines(worker), '');
  return text.join('\n');
}
