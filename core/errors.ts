/**
 * The one error vocabulary of the platform. Every error a client sees is an AppError
 * (or is mapped to one) and is rendered as `{"error": {code, message, details}}`.
 */

/** Extra, machine-readable facts about an error (e.g. the offending fields). */
export type ErrorDetails = Record<string, unknown> | readonly unknown[] | undefined;

/** An error with a stable code and an HTTP status; messages of 5xx errors never reach clients. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  /** True for errors caused by the client (4xx), whose message is safe to show. */
  get expose(): boolean {
    return this.status < 500;
  }
}

/** A problem with one field of the request. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** Factories for the errors the platform raises, one per stable code. */
export const errors = {
  badRequest: (message: string, details?: ErrorDetails) => new AppError('bad_request', 400, message, details),
  validation: (problems: readonly FieldProblem[]) =>
    new AppError(
      'validation_failed',
      422,
      problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ') || 'Invalid request',
      { fields: problems },
    ),
  unauthorized: (message = 'Authentication required') => new AppError('unauthorized', 401, message),
  forbidden: (message = 'Your role does not allow this action') => new AppError('forbidden', 403, message),
  notFound: (resource: string) => new AppError('not_found', 404, `${resource} not found`),
  conflict: (message: string, details?: ErrorDetails) => new AppError('conflict', 409, message, details),
  payloadTooLarge: (limit: string) => new AppError('payload_too_large', 413, `Request body exceeds ${limit}`),
  unsupportedMediaType: () =>
    new AppError('unsupported_media_type', 415, 'Request body must be JSON (Content-Type: application/json)'),
  tooManyRequests: (retryAfterSeconds: number) =>
    new AppError('too_many_requests', 429, 'Too many requests; try again later', {
      retry_after_seconds: retryAfterSeconds,
    }),
  /** `cause`, the failure behind it, is logged but never shown to the client. */
  unavailable: (message: string, { details, ...options }: { details?: ErrorDetails; cause?: unknown } = {}) =>
    new AppError('service_unavailable', 503, message, details, options),
  queryTimeout: () =>
    new AppError('query_timeout', 503, 'The database took longer than this API allows; narrow the request (filters, longer search words) and try again'),
  internal: (cause?: unknown) => new AppError('internal_error', 500, 'Internal server error', undefined, { cause }),
};
