import { MeshbookError } from '@meshbook/engine';

/** The MeshbookError a promise rejects with; anything else (or no rejection) fails the test. */
export async function caught(promise: Promise<unknown>, expected = 'expected a MeshbookError'): Promise<MeshbookError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MeshbookError) return error;
    throw error;
  }
  throw new Error(expected);
}
