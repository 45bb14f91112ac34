import { afterAll, beforeAll, expect } from 'vitest';
import { KnownAfterApply, MeshbookError } from '@meshbook/engine';
import type { AnyModule, ModuleParamsInput, ModuleResult, ModuleRunOptions, Transport } from '@meshbook/engine';
import type { Fleet, FleetOptions } from '@meshbook/fleet';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from './fleet.js';

/**
 * Shared proofs for module integration tests (architecture.md, "Tests"): apply then re-apply with
 * no change, check mode that changes nothing, the diff, bad params failing before the host is
 * touched, and the round-trip cost of gather.
 */

export interface Hosts {
  fleet(): Fleet;
  /** The root SSH transport to one fleet host (connected in beforeAll, kept for the file). */
  transport(name: string): Transport;
  /** docker exec on the host, from outside SSH: for verifying effects independently. */
  sh(name: string, script: string): Promise<string>;
}

/** One fleet per test file (the machine has 2 cores: keep it ≤ 3 hosts) and one SSH transport per host. */
export function useHosts(count: number | string[], options: Omit<FleetOptions, 'hosts'> = {}): Hosts {
  const fleet = useFleet({ ...options, hosts: count });
  const transports = new Map<string, Transport>();
  beforeAll(async () => {
    for (const host of fleet().hosts) {
      transports.set(
        host.name,
        await connectSsh(fleetSshOptions(fleet(), host.name)),
      );
    }
  });
  // Registered after useFleet's afterAll, so it runs first (vitest runs afterAll hooks in reverse).
  afterAll(async () => {
    await Promise.all([...transports.values()].map((t) => t.close()));
  });
  return {
    fleet,
    transport: (name) => {
      const t = transports.get(name);
      if (!t) throw new Error(`no transport for ${name}`);
      return t;
    },
    sh: async (name, script) => {
      const r = await fleet().exec(name, ['sh', '-c', script]);
      if (r.exitCode !== 0) throw new Error(`docker exec on ${name} failed (${r.exitCode}): ${script}\n${r.stderr}`);
      return r.stdout;
    },
  };
}

type Params<M extends AnyModule> = ModuleParamsInput<M>;

/**
 * Apply (must change), verify the effect, apply again (must not change), and gather+plan once more
 * in check mode (must plan nothing): the idempotency proof.
 */
export async function proveIdempotent<M extends AnyModule>(
  module: M,
  transport: Transport,
  params: Params<M>,
  verify?: (first: ModuleResult) => Promise<void> | void,
  options: ModuleRunOptions = {},
): Promise<{ first: ModuleResult; second: ModuleResult }> {
  const first = await module.run(transport, params, options);
  expect(first.changed, `${module.name}: the first apply should change the host`).toBe(true);
  expect(first.check).toBe(false);
  await verify?.(first);
  const second = await module.run(transport, params, options);
  expect(second.changes, `${module.name}: a second apply should plan nothing`).toEqual([]);
  expect(second.changed).toBe(false);
  const again = await module.run(transport, params, { ...options, check: true });
  expect(again.changes, `${module.name}: check mode after apply should plan nothing`).toEqual([]);
  return { first, second };
}

/** Check mode reports the change (with a diff) and leaves the host as it was: `snapshot` must not differ. */
export async function proveCheckMode<M extends AnyModule>(
  module: M,
  transport: Transport,
  params: Params<M>,
  snapshot: () => Promise<string>,
): Promise<ModuleResult> {
  const before = await snapshot();
  const result = await module.run(transport, params, { check: true, diff: true });
  expect(result.check).toBe(true);
  expect(result.changed, `${module.name}: check mode should report the change`).toBe(true);
  expect(result.changes.length).toBeGreaterThan(0);
  expect(result.diff).toBeTruthy();
  expect(await snapshot(), `${module.name}: check mode must leave the host untouched`).toBe(before);
  return result;
}

/** Apply with `diff: true` and return the rendered diff (which must exist). */
export async function applyWithDiff<M extends AnyModule>(module: M, transport: Transport, params: Params<M>): Promise<string> {
  const result = await module.run(transport, params, { diff: true });
  expect(result.changed).toBe(true);
  expect(result.diff).toBeTruthy();
  return result.diff!;
}

/** Bad params fail with BAD_INPUT naming `field`, and no command reaches the host. */
export async function proveBadParams<M extends AnyModule>(module: M, transport: Transport, params: unknown, field: string | RegExp): Promise<void> {
  const before = transport.stats();
  const error = await module.run(transport, params as Params<M>).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MeshbookError);
  expect((error as MeshbookError).code).toBe('BAD_INPUT');
  expect((error as MeshbookError).message).toMatch(field);
  expect(transport.stats().commands, 'no command may run for bad params').toBe(before.commands);
  expect(transport.stats().roundTrips).toBe(before.roundTrips);
}

/** Round trips one run costs (fresh fact cache). On a host that needs no change this is gather's cost. */
export async function roundTripsOf<M extends AnyModule>(module: M, transport: Transport, params: Params<M>, options: ModuleRunOptions = {}): Promise<{ roundTrips: number; result: ModuleResult }> {
  const before = transport.stats().roundTrips;
  const result = await module.run(transport, params, options);
  return { roundTrips: transport.stats().roundTrips - before, result };
}

/** Gather on an already-converged host costs at most one round trip (and plans nothing). */
export async function proveOneRoundTrip<M extends AnyModule>(module: M, transport: Transport, params: Params<M>): Promise<void> {
  const { roundTrips, result } = await roundTripsOf(module, transport, params);
  expect(result.changed, `${module.name}: expected a converged host`).toBe(false);
  expect(roundTrips, `${module.name}: gather should cost at most one round trip`).toBeLessThanOrEqual(1);
}

/** A run's output outside check mode, where it is neither missing nor known only after apply. */
export function appliedOutput<O>(result: { output: O | KnownAfterApply | undefined }): O {
  if (result.output === undefined || result.output instanceof KnownAfterApply) throw new Error(`expected an applied output, got ${String(result.output)}`);
  return result.output;
}
