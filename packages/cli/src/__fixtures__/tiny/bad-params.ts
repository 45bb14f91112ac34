import { z } from 'zod';
import { defineModule, definePlaybook, task } from '@meshbook/engine';

const needsNumber = defineModule({
  name: 'needs_number',
  params: z.object({ count: z.number() }),
  async gather() {
    throw new Error('must never run: validation comes first');
  },
  plan: () => [],
  async apply() {},
});

export default definePlaybook({
  name: 'bad params',
  plays: [{ name: 'broken', hosts: 'all', tasks: [task(needsNumber, { count: 'three' } as never, { name: 'count things' })] }],
});
