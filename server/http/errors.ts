/** Error codes an API caller can act on; the HTTP status follows from the code, in one place. */
export const ErrorStatus = {
  bad_request: 400,
  bad_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  rate_limited: 429,
  internal: 500,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ErrorStatus;

/** The code for an HTTP status another library chose (body-parser, Express): the first code with that status, else `bad_request` for a 4xx. */
export function errorCodeForStatus(status: number): ErrorCode {
  const code = (Object.keys(ErrorStatus) as ErrorCode[]).find((c) => ErrorStatus[c] === status);
  return code ?? (status >= 400 && status < 500 ? "bad_request" : "internal");
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ErrorStatus[this.code];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}
