import { expect } from "vitest";

/** What `promise` rejected with, checked to be an `errorClass`; fails the test when it resolved instead. */
export async function rejectionOf<ErrorType>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => ErrorType,
): Promise<ErrorType> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome))
    throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(errorClass);
  return outcome.error as ErrorType;
}
