import { describe, expect, it } from 'vitest';
import type { AnyModule, Change } from '@meshbook/engine';

/**
 * A plan fixture (pyinfra's tests/operations): params and the facts gather would return, and the
 * changes plan must produce. `changes` lists the expected changes by kind and target (and, when
 * given, summary/before/after); an empty list is the idempotency case.
 */
export interface PlanFixture {
  name: string;
  params: unknown;
  facts: unknown;
  changes: Array<Partial<Change> & Pick<Change, 'kind' | 'target'>>;
}

/** A parameter set that must be rejected, and a fragment of the error that names the field. */
export interface BadParamsFixture {
  name: string;
  params: unknown;
  error: string | RegExp;
}

export function describePlanFixtures(module: AnyModule, fixtures: readonly PlanFixture[], bad: readonly BadParamsFixture[] = []): void {
  describe(`${module.name} plan`, () => {
    for (const fixture of fixtures) {
      it(fixture.name, () => {
        // As the engine's params boundary does: values known only after apply are shown as their text.
        const boundary = module.atBoundary(fixture.params);
        const params = boundary.params ?? module.parse(fixture.params);
        const changes = module.definition.plan(fixture.facts, params) as Change[];
        expect(changes.map((c) => ({ kind: c.kind, target: c.target }))).toEqual(
          fixture.changes.map((c) => ({ kind: c.kind, target: c.target })),
        );
        fixture.changes.forEach((expected, i) => expect(changes[i]).toMatchObject(expected));
      });
    }
    for (const fixture of bad) {
      it(`rejects ${fixture.name}`, () => {
        expect(() => module.parse(fixture.params)).toThrow(fixture.error);
      });
    }
  });
}
