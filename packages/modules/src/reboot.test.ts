import { describe, expect, it } from 'vitest';
import { LocalTransport } from '@meshbook/engine';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { bootIdentity, reboot } from './reboot.js';

const BOOT = 'aac99ea4-40ca-4b50-bcf1-65308e131118/1279608';

describePlanFixtures(
  reboot,
  [
    {
      name: 'always a reboot: never idempotent, as in Ansible',
      params: {},
      facts: { boot: BOOT },
      changes: [{ kind: 'reboot.reboot', target: 'host', summary: 'reboot, then wait up to 600 s for a new boot', before: `boot ${BOOT}`, after: 'a new boot', payload: { bootBefore: BOOT } }],
    },
    {
      name: 'with a pre-reboot command and a shorter timeout',
      params: { preRebootCommand: 'systemctl stop app', rebootTimeoutSeconds: 120 },
      facts: { boot: BOOT },
      changes: [{ kind: 'reboot.reboot', target: 'host', summary: 'reboot (after the pre-reboot command), then wait up to 120 s for a new boot' }],
    },
  ],
  [
    { name: 'a zero timeout', params: { rebootTimeoutSeconds: 0 }, error: /reboot\.rebootTimeoutSeconds/ },
    { name: 'an empty reboot command', params: { rebootCommand: '' }, error: /reboot\.rebootCommand/ },
    { name: "Ansible's snake_case names", params: { reboot_timeout: 60 }, error: /reboot_timeout/ },
  ],
);

describe('boot identity', () => {
  const parse = (stdout: string, exitCode = 0) => bootIdentity(null).fact.parse({ stdout, stderr: '', exitCode, durationMs: 0 }, null);
  it("is the kernel's boot id and PID 1's start, so a container's restarted systemd counts as a new boot", () => {
    expect(parse('aac99ea4-40ca-4b50-bcf1-65308e131118\n1279608\n')).toBe(BOOT);
    expect(parse('aac99ea4-40ca-4b50-bcf1-65308e131118\n1373999\n')).not.toBe(BOOT);
  });

  it('an unreadable one is an error, never an empty identity that would always differ', () => {
    expect(() => parse('', 1)).toThrow(/cannot read the boot id/);
  });

  it("reads this machine's own: a boot id and PID 1's start time in clock ticks", async () => {
    const request = bootIdentity(null);
    const result = await new LocalTransport('controller').run(request.fact.command(null));
    expect(request.fact.parse(result, null)).toMatch(/^[0-9a-f-]{36}\/\d+$/);
  });
});
