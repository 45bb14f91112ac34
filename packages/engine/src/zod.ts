// `@meshbook/engine/zod`: the engine's own zod. The bundled modules and playbooks packages import
// zod from here (scripts/bundle.mjs), so module schemas and the engine share one zod, loaded once.
export { z } from 'zod';
