// The kube-apiserver double's executable (dist/bin/kube-apiserver.cjs).
import { main } from '../apiserver/main.js';

main(process.argv.slice(2));
