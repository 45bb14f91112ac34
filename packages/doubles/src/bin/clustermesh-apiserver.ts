// The clustermesh-apiserver double: `clustermesh-apiserver --config FILE`.
import { clustermeshApiserverMain } from '../clustermesh/main.js';

clustermeshApiserverMain(process.argv.slice(2));
