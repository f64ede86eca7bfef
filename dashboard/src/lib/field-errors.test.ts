import { describe, expect, it } from "vitest";
import { formErrorsOf, normalizeParam } from "./field-errors";

const badRequest = (message: string, param?: string) => ({
  message,
  extensions: { code: "BAD_REQUEST", ...(param ? { param } : {}) },
});

describe("formErrorsOf", () => {
  it("puts BAD_REQUEST messages next to the field their param names", () => {
    const error = {
      message: "joined",
      errors: [badRequest("Invalid budget.limitUsd: must not be negative", "budget.limitUsd")],
    };
    expect(formErrorsOf(error)).toEqual({
      fields: { "budget.limitUsd": "Invalid budget.limitUsd: must not be negative" },
    });
  });

  it("drops the input. prefix some resolvers add", () => {
    expect(normalizeParam("input.name")).toBe("name");
    expect(
      formErrorsOf({ errors: [badRequest("A team named 'a' already exists.", "input.name")] })
        .fields,
    ).toEqual({ name: "A team named 'a' already exists." });
  });

  it("keeps errors without a param, of another code, or for a field the form lacks as a general message", () => {
    const error = {
      errors: [
        badRequest("Invalid limits.rpm: too small", "limits.rpm"),
        badRequest("Something about the whole input"),
        { message: "Admin only", extensions: { code: "FORBIDDEN", param: "name" } },
        badRequest("Invalid metadata: bad", "metadata"),
      ],
    };
    expect(formErrorsOf(error, ["name", "limits.rpm"])).toEqual({
      fields: { "limits.rpm": "Invalid limits.rpm: too small" },
      general: "Something about the whole input Admin only Invalid metadata: bad",
    });
  });

  it("uses the message of errors that carry no GraphQL errors", () => {
    expect(formErrorsOf(new Error("Cannot reach the gateway"))).toEqual({
      fields: {},
      general: "Cannot reach the gateway",
    });
    expect(formErrorsOf(undefined)).toEqual({ fields: {} });
  });
});
