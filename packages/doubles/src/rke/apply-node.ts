import { createHash } from 'node:crypto';
import { shQuote, RkeHostError, type NodeConnection } from './dialer.js';
import { fileBytes, type NodePlan } from './node-plan.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Brings one node to its plan over the SSH connection: only files whose content or mode differ are
 * written (atomically: a temporary file, then rename), and a unit restarts only when one of its
 * files changed or it is not running. Returns whether anything changed.
 */
export async function applyNodePlan(conn: NodeConnection, plan: NodePlan, log: (line: string) => void): Promise<boolean> {
  const where = conn.node.address;
  const whoami = await conn.exec('id -u');
  if (whoami.stdout.trim() !== '0') {
    throw new RkeHostError(`[${where}] the rke double writes the node's files and units over SSH where RKE would start containers through Docker: the node's user [${conn.node.user}] must be root`);
  }
  const paths = plan.files.map((f) => f.path);
  const current = await conn.exec(`for f in ${paths.map(shQuote).join(' ')}; do if [ -f "$f" ]; then printf '%s %s\\n' "$(stat -c %a "$f")" "$(sha256sum < "$f" | cut -d' ' -f1)"; else echo missing; fi; done`);
  if (current.code !== 0) throw new RkeHostError(`[${where}] reading the node's files failed: ${current.stderr.trim()}`);
  const seen = current.stdout.trim().split('\n');
  const restart = new Set<string>();
  for (const [i, file] of plan.files.entries()) {
    const bytes = fileBytes(file);
    const want = `${file.mode.toString(8)} ${sha256(bytes)}`;
    if (seen[i] === want) continue;
    const dir = file.path.slice(0, file.path.lastIndexOf('/')) || '/';
    const tmp = `${file.path}.rke-tmp`;
    const put = await conn.exec(`umask 077 && mkdir -p ${shQuote(dir)} && cat > ${shQuote(tmp)} && chmod ${file.mode.toString(8)} ${shQuote(tmp)} && mv -f ${shQuote(tmp)} ${shQuote(file.path)}`, bytes);
    if (put.code !== 0) throw new RkeHostError(`[${where}] writing ${file.path} failed: ${put.stderr.trim()}`);
    for (const u of file.units) restart.add(u);
  }
  if (restart.size > 0) {
    const reload = await conn.exec('systemctl daemon-reload');
    if (reload.code !== 0) throw new RkeHostError(`[${where}] systemctl daemon-reload failed: ${reload.stderr.trim()}`);
  }
  let changed = restart.size > 0;
  for (const unit of plan.units) {
    const state = await conn.exec(`systemctl is-enabled ${shQuote(unit)}; systemctl is-active ${shQuote(unit)}`);
    const [enabled, active] = state.stdout.trim().split('\n');
    if (!restart.has(unit) && enabled === 'enabled' && active === 'active') continue;
    changed = true;
    log(`[${unit.replace('.service', '')}] Starting on host [${where}]`);
    const run = await conn.exec(`systemctl enable ${shQuote(unit)} >/dev/null 2>&1 && systemctl restart ${shQuote(unit)}`);
    if (run.code !== 0) throw new RkeHostError(`[${where}] starting ${unit} failed: ${run.stderr.trim()}`);
  }
  return changed;
}

/**
 * Waits until `url` on the node answers 200, asked from the node itself with the runtime the
 * double shipped (client certificate and CA from the node's files).
 */
export async function waitForHttps(conn: NodeConnection, url: string, tls: { ca: string; cert?: string; key?: string }, timeoutMs: number): Promise<boolean> {
  const script = [
    "const fs=require('fs');const [u,ca,c,k]=process.argv.slice(1);",
    "const o={ca:fs.readFileSync(ca)};if(c){o.cert=fs.readFileSync(c);o.key=fs.readFileSync(k);}",
    "require('https').get(u,o,r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1));",
  ].join('');
  const args = [url, tls.ca, tls.cert ?? '', tls.key ?? ''].map(shQuote).join(' ');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await conn.exec(`/usr/lib/meshbook-doubles/node -e ${shQuote(script)} ${args}`);
    if (r.code === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((res) => setTimeout(res, 1000));
  }
}
