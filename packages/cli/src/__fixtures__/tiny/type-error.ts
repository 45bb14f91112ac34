// Runs fine once its types are stripped; the type-check must stop it first.
import { definePlaybook } from '@meshbook/engine';

const retries: number = 'three';

export default definePlaybook({ name: `type error ${retries}`, plays: [] });
