import { describe, expect, it } from "vitest";
import {
  configuredSecrets,
  createBodyKeeper,
  createRedactor,
} from "../../server/modules/completions/request-bodies.ts";

describe("redacting stored prompts and answers", () => {
  const redact = createRedactor(["my-provider-secret-123", "short", undefined]);

  it("removes configured secrets and credential-shaped text everywhere in the value", () => {
    expect(
      redact({
        messages: [
          { role: "user", content: "key sk-ant-api03-abcdefghijklmn and my-provider-secret-123" },
          {
            role: "user",
            content: [{ type: "text", text: "Authorization: bearer abc.DEF-123_xyz" }],
          },
        ],
        tools: [{ note: "AKIAIOSFODNN7EXAMPLE / AIzaSyA1234567890abcdefghijklmnopqrstuv" }],
        temperature: 0,
      }),
    ).toEqual({
      messages: [
        { role: "user", content: "key [REDACTED] and [REDACTED]" },
        { role: "user", content: [{ type: "text", text: "Authorization: bearer [REDACTED]" }] },
      ],
      tools: [{ note: "[REDACTED] / [REDACTED]" }],
      temperature: 0,
    });
  });

  it("leaves ordinary text alone, short configured values included (they would match words)", () => {
    const text = "a short task: ask-me about the Bearer of bad news, sk-1";
    expect(redact(text)).toBe(text);
  });

  it("builds a body from prompt and answer, both redacted", () => {
    const keep = createBodyKeeper(["sk-upstream-secret-value"]);
    expect(
      keep({ content: "sk-upstream-secret-value" }, [{ content: "Bearer tokentokentoken" }]),
    ).toEqual({
      prompt: { content: "[REDACTED]" },
      answer: [{ content: "Bearer [REDACTED]" }],
    });
  });

  it("collects the master key, the metrics key and every model's credentials", () => {
    expect(
      configuredSecrets({
        auth: { masterKey: "sk-master" },
        metrics: { apiKey: "metrics-key" },
        models: [
          { apiKey: "sk-openai" },
          { accessKeyId: "AKIA1", secretAccessKey: "secret", sessionToken: "session" },
          { azureAdToken: "ad-token" },
        ],
      }),
    ).toEqual(["sk-master", "metrics-key", "sk-openai", "AKIA1", "secret", "session", "ad-token"]);
  });
});
