import { wrapSecretVars } from '../inventory/connection-vars.js';
import type { Vars } from '../inventory/types.js';
import type { Play } from './types.js';

const secretVars = new WeakMap<Vars, Vars>();

/** A play's vars with its password variables as Secrets (wrapped once per play), as the inventory's are. */
export function playVars(play: Pick<Play, 'vars'>): Vars {
  if (!play.vars) return {};
  let wrapped = secretVars.get(play.vars);
  if (!wrapped) secretVars.set(play.vars, (wrapped = wrapSecretVars(play.vars)));
  return wrapped;
}
