/** What an incoming `x-request-id` may be: 1–128 characters of letters, digits and `._:-`. */
const acceptedRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's `x-request-id` when it is acceptable, else undefined (the gateway's own id is
 * used instead): an id from a proxy or a client's tracing is honoured, while anything that
 * could break a header, a log line or a provider's validation is ignored rather than refused,
 * since a tracing header is no reason to fail a completion.
 */
export function acceptedIncomingRequestId(value: string | string[] | null | undefined) {
  const first = Array.isArray(value) ? value[0] : value;
  return first !== undefined && first !== null && acceptedRequestId.test(first) ? first : undefined;
}
