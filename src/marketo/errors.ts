/**
 * Errors that leave the Marketo client. Every one carries a code: Marketo's own (`"1003"`, `"607"`)
 * where Marketo gave one, else one of ours (`OUTCOME_UNKNOWN`, `HTTP_502`, `TRANSPORT`, `CONFIG`).
 * None of them may ever carry the access token, client secret or a URL with credentials.
 */

export type GatewayMarketoCode =
  /** The request may or may not have been applied (604/608/611/5xx/timeout/reset after sending a non-idempotent call). */
  | 'OUTCOME_UNKNOWN'
  /** Transport failure before Marketo answered (retries exhausted). */
  | 'TRANSPORT'
  /** The client refused locally: the daily quota would be exceeded. */
  | 'QUOTA_EXHAUSTED'
  /** The per-call deadline passed while waiting or retrying. */
  | 'DEADLINE_EXCEEDED'
  /** Identity endpoint refused the credentials (HTTP 401). */
  | 'AUTH_FAILED'
  /** A Marketo response we could not understand. */
  | 'BAD_RESPONSE'
  /** The caller aborted the call (`ctx.signal`) before it was sent. */
  | 'ABORTED';

export interface MarketoErrorDetails {
  /** Marketo's code as a string ("606", "1003") or one of GatewayMarketoCode, or `HTTP_<status>`. */
  code: string;
  message: string;
  /** Marketo's requestId of the failing response, when there was one. */
  requestId?: string;
  /** `METHOD /path/with/{id}` of the call, never with query string or token. */
  endpoint?: string;
  httpStatus?: number;
  /** Whether repeating the same call later can succeed. */
  retryable?: boolean;
  /** When a quota error lifts (607, 1029 daily export quota): ISO-8601. */
  resetsAt?: string;
  /** For OUTCOME_UNKNOWN / TRANSPORT / DEADLINE_EXCEEDED: the underlying code (`"604"`, `"HTTP_502"`, `"ECONNRESET"`). */
  causeCode?: string;
}

export class MarketoError extends Error {
  readonly code: string;
  readonly requestId: string | undefined;
  readonly endpoint: string | undefined;
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  readonly resetsAt: string | undefined;
  readonly causeCode: string | undefined;

  constructor(details: MarketoErrorDetails, options?: { cause?: unknown }) {
    super(details.message, options);
    this.name = 'MarketoError';
    this.code = details.code;
    this.requestId = details.requestId;
    this.endpoint = details.endpoint;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable ?? false;
    this.resetsAt = details.resetsAt;
    this.causeCode = details.causeCode;
  }

  toJSON(): MarketoErrorDetails {
    return {
      code: this.code,
      message: this.message,
      ...(this.requestId !== undefined && { requestId: this.requestId }),
      ...(this.endpoint !== undefined && { endpoint: this.endpoint }),
      ...(this.httpStatus !== undefined && { httpStatus: this.httpStatus }),
      retryable: this.retryable,
      ...(this.resetsAt !== undefined && { resetsAt: this.resetsAt }),
      ...(this.causeCode !== undefined && { causeCode: this.causeCode }),
    };
  }
}

/** Bad configuration at start-up; names the variable, never echoes a secret's value. */
export class ConfigError extends Error {
  readonly code = 'CONFIG';
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
