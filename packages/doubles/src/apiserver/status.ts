// Failures as the API server reports them: a meta/v1 Status object with the HTTP code, reason and
// details the clients print ("Error from server (NotFound): ...").

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export interface Target {
  group: string;
  resource: string;
  name?: string;
}

const qualified = (t: Target) => (t.group ? `${t.resource}.${t.group}` : t.resource);
const details = (t: Target) => ({ ...(t.name ? { name: t.name } : {}), ...(t.group ? { group: t.group } : {}), kind: t.resource });

export const notFound = (t: Target) => new ApiError(404, 'NotFound', `${qualified(t)} "${t.name}" not found`, details(t));
export const alreadyExists = (t: Target) => new ApiError(409, 'AlreadyExists', `${qualified(t)} "${t.name}" already exists`, details(t));
export const conflict = (t: Target, why: string) => new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(t)} "${t.name}": ${why}`, details(t));
export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
export const invalid = (t: Target & { kind: string }, causes: Array<{ field: string; message: string; type?: string }>) =>
  new ApiError(422, 'Invalid', `${t.kind}${t.group ? `.${t.group}` : ''} "${t.name ?? ''}" is invalid: ${causes.length === 1 ? `${causes[0]!.field}: ${causes[0]!.message}` : `[${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}]`}`, {
    ...details(t),
    kind: t.kind,
    causes: causes.map((c) => ({ reason: c.type ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
export const methodNotAllowed = (message = 'the server does not allow this method on the requested resource') => new ApiError(405, 'MethodNotAllowed', message);
export const unsupportedMediaType = (strategic: boolean) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${strategic ? ', application/strategic-merge-patch+json' : ''}`);
export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');
export const gone = (message: string) => new ApiError(410, 'Expired', message);

export function forbidden(user: string, verb: string, t: Target, namespace?: string): ApiError {
  const scope = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
  const what = t.name ? `${qualified(t)} "${t.name}"` : qualified(t);
  return new ApiError(403, 'Forbidden', `${what} is forbidden: User "${user}" cannot ${verb} resource "${t.resource}" in API group "${t.group}"${scope}`, details(t));
}
