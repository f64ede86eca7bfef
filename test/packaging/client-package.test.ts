import { statSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import {
  createStrangerProject,
  tarballFiles,
  type StrangerProject,
} from "../support/package-project.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-packaging";

/** What a stranger's plain-JavaScript project does with the installed client. */
const script = `
import { createSwitchboardClient, SwitchboardError } from "@switchboard/client";
import { WebSocket } from "ws";
import { z } from "zod";

const [url, apiKey] = process.argv.slice(2);
const switchboard = createSwitchboardClient({ url, apiKey, webSocketImpl: WebSocket });
const overSse = createSwitchboardClient({ url, apiKey, transport: "sse" });
const messages = [{ role: "USER", content: "Hello" }];

const completion = await switchboard.chat({ model: "gpt-4o-mini", messages });
const streamed = [];
for (const client of [switchboard, overSse]) {
  let text = "";
  for await (const chunk of client.stream({ model: "gpt-4o-mini", messages })) text += chunk.choices[0]?.delta.content ?? "";
  streamed.push(text);
}
const { object } = await switchboard.chatObject({ model: "gpt-4o-mini", messages, schema: z.object({ city: z.string() }) });
const invalid = await switchboard.chatObject({ model: "gpt-4o-mini", messages, schema: z.object({ city: z.string() }) }).catch((error) => error);
const models = await switchboard.models();
await switchboard.close();
await overSse.close();
console.log(JSON.stringify({
  completion: completion.__typename === "ChatCompletion" ? completion.choices[0].message.content : completion.code,
  costUsd: completion.costUsd,
  streamed,
  object,
  invalid: { isSwitchboardError: invalid instanceof SwitchboardError, code: invalid.code, text: invalid.text },
  models: models.map((model) => model.name),
}));
`;

/** A TypeScript file that uses the typed API the way the README shows; it must compile cleanly. */
const typedUsage = `
import { createSwitchboardClient, SwitchboardError, type ChatChunk, type ChatInput } from "@switchboard/client";
import { z } from "zod";

const client = createSwitchboardClient({ url: "http://127.0.0.1:4000/graphql", apiKey: "sk-test", transport: "sse" });
const input: ChatInput = {
  model: "gpt-4o",
  messages: [{ role: "USER", content: "Weather?" }],
  tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
  toolChoice: "auto",
};

export async function main(signal: AbortSignal): Promise<string> {
  const result = await client.chat(input, { signal });
  if (result.__typename === "ChatCompletion") {
    const content: string | null = result.choices[0].message.content;
    const cost: string = result.costUsd;
    return \`\${content} \${cost}\`;
  }
  if (result.__typename === "RateLimitedError") return String(result.retryAfterMs);
  const chunks: ChatChunk[] = [];
  for await (const chunk of client.stream(input, { signal })) chunks.push(chunk);
  const { object } = await client.chatObject({ model: "gpt-4o", messages: input.messages, schema: z.object({ celsius: z.number() }) });
  const celsius: number = object.celsius;
  const spend = await client.spend("MODEL", { from: "2026-01-01T00:00:00Z" });
  try {
    await client.revokeApiKey("key-id");
  } catch (error) {
    if (error instanceof SwitchboardError && error.code === "FORBIDDEN") return "not the admin";
  }
  return \`\${celsius} \${spend.map((row) => row.costUsd).join(",")}\`;
}
`;

/** The same client with a misspelt field: the types are real only if this fails to compile. */
const wrongFieldName = `
import { createSwitchboardClient } from "@switchboard/client";

const client = createSwitchboardClient({ url: "http://127.0.0.1:4000/graphql" });
export const answer = client.chat({ modle: "gpt-4o", messages: [{ role: "USER", content: "Hi" }] });
`;

describe(
  "@switchboard/client packed and installed into an empty project",
  { timeout: 240_000 },
  () => {
    let project: StrangerProject;
    let upstream: MockUpstream;
    let gateway: TestApp;

    beforeAll(async () => {
      project = await createStrangerProject("client", {
        alsoInstall: ["ws@^8.18.0", "zod@^4.2.0"],
      });
      upstream = await startMockOpenAIUpstream();
      gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)], auth: { masterKey } });
    }, 240_000);
    afterAll(async () => {
      await gateway?.stop();
      await upstream?.stop();
      project?.remove();
    });

    it("ships ESM JavaScript, declarations, source maps, the schema and the README, and nothing else", () => {
      const files = tarballFiles(project.tarball);
      expect(files).toEqual(
        expect.arrayContaining([
          "package.json",
          "README.md",
          "schema.graphql",
          "dist/index.js",
          "dist/index.d.ts",
          "dist/index.js.map",
          "dist/generated/graphql.js",
          "dist/generated/graphql.d.ts",
        ]),
      );
      expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
      expect(
        files.filter((file) => !/^(package\.json|README\.md|schema\.graphql|dist\/.+)$/.test(file)),
      ).toEqual([]);
      expect(statSync(project.tarball).size).toBeLessThan(100_000);
    });

    it("works from plain Node 20 .mjs against a running gateway: chat, streams over graphql-ws and SSE, chatObject, models", async () => {
      upstream.enqueue({ type: "completion" });
      upstream.enqueue({ type: "completion" });
      upstream.enqueue({ type: "completion" });
      upstream.enqueue({ type: "completion", content: JSON.stringify({ city: "Paris" }) });
      upstream.enqueue({ type: "completion", content: "not JSON" });
      project.write("use-client.mjs", script);
      const run = await project.node("use-client.mjs", [gateway.graphqlUrl, masterKey]);
      expect(run.code, run.output).toBe(0);
      expect(JSON.parse(run.output)).toEqual({
        completion: "Hello from the mock upstream.",
        costUsd: "0.000006",
        streamed: ["Hello from the mock upstream.", "Hello from the mock upstream."],
        object: { city: "Paris" },
        invalid: { isSwitchboardError: true, code: "INVALID_OUTPUT", text: "not JSON" },
        models: ["gpt-4o-mini"],
      });
    });

    it("type-checks under TypeScript module nodenext + strict, and a wrong field name does not compile", async () => {
      project.write("typed-usage.ts", typedUsage);
      const clean = await project.typecheck();
      expect(clean, clean.output).toMatchObject({ code: 0 });

      project.write("wrong-field-name.ts", wrongFieldName);
      const broken = await project.typecheck();
      expect(broken.code).not.toBe(0);
      expect(broken.output).toMatch(
        /wrong-field-name\.ts\(5,\d+\): error TS2561: Object literal may only specify known properties, but 'modle' does not exist in type 'ChatInput'/,
      );
      // Only the deliberate mistake: the rest of the project still compiles.
      expect(
        broken.output
          .trim()
          .split("\n")
          .filter((line) => line.includes("error TS")),
      ).toHaveLength(1);
    });

    it("bundles for the browser (no Node built-ins in the client or its dependencies)", async () => {
      project.write(
        "browser-entry.mjs",
        `import { createSwitchboardClient } from "@switchboard/client";\nexport const client = createSwitchboardClient({ url: "/graphql", transport: "sse" });\n`,
      );
      const bundle = await build({
        entryPoints: [path.join(project.directory, "browser-entry.mjs")],
        absWorkingDir: project.directory,
        bundle: true,
        platform: "browser",
        format: "esm",
        minify: true,
        write: false,
        logLevel: "silent",
      });
      expect(bundle.errors).toEqual([]);
      const bytes = bundle.outputFiles[0].contents.byteLength;
      // graphql's printer, graphql-ws and graphql-sse clients, and the client itself.
      expect(bytes).toBeGreaterThan(10_000);
      expect(bytes).toBeLessThan(200_000);
    });
  },
);
