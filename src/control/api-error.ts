/**
 * An error answer of the control-plane API, in restJson1's shape: the HTTP status, the type in
 * the `x-amzn-ErrorType` header (what the AWS SDK reads first to pick its typed exception:
 * ResourceNotFoundException, ValidationException, …) and a JSON body with `message` and the
 * exception's own fields (`reason`, `fieldList`, `resourceId`, `resourceType`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** DSQL's ValidationException reasons (the SDK's ValidationExceptionReason). */
export type ValidationReason = 'cannotParse' | 'deletionProtectionEnabled' | 'fieldValidationFailed' | 'other' | 'unknownOperation';

export function validation(reason: ValidationReason, message: string, fieldList?: readonly { name: string; message: string }[]): ApiError {
  return new ApiError(400, 'ValidationException', message, { reason, ...(fieldList === undefined ? {} : { fieldList }) });
}

export function notFound(id: string): ApiError {
  return new ApiError(404, 'ResourceNotFoundException', `Cluster ${id} not found`, { resourceId: id, resourceType: 'cluster' });
}

/** A tag operation's ARN that names no cluster here. */
export function arnNotFound(arn: string): ApiError {
  return new ApiError(404, 'ResourceNotFoundException', `Resource ${arn} not found`, { resourceId: arn, resourceType: 'cluster' });
}

export function conflict(id: string, message: string): ApiError {
  return new ApiError(409, 'ConflictException', message, { resourceId: id, resourceType: 'cluster' });
}

/** A field a DSQL user may send that Strata does not serve: refused by name, never ignored. */
export function unsupportedField(name: string, what: string): ApiError {
  return validation('fieldValidationFailed', `${what} is not supported by Strata`, [{ name, message: `${what} is not supported by Strata` }]);
}
