import Docker from 'dockerode';

let client: Docker | undefined;

/** One dockerode client per process (it only holds the socket path). */
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

/** Fails with a message saying what to do, instead of a bare ECONNREFUSED/ENOENT. */
export async function assertDockerAvailable(): Promise<void> {
  try {
    await docker().ping();
  } catch (error) {
    throw new Error(
      'Docker is not available: /var/run/docker.sock does not answer. The fleet (and the integration ' +
        'tests) need it: start dockerd (`dockerd >/var/log/dockerd.log 2>&1 &`) and retry; .ci/run does this itself.',
      { cause: error },
    );
  }
}

/** Docker answers 404 for a missing object and 304 for "already in that state". */
export function statusCodeOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? (error as { statusCode?: number }).statusCode
    : undefined;
}

export async function ignoreMissing(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const code = statusCodeOf(error);
    if (code !== 404 && code !== 304 && code !== 409) throw error;
  }
}
