import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readOpenAIFixture,
  startMockOpenAIUpstream,
  type MockUpstream,
} from "../support/mock-openai-upstream.ts";
import {
  createStrangerProject,
  type StrangerProject,
  tarballFiles,
} from "../support/package-project.ts";

/** What a stranger's plain-JavaScript project does with the installed SDK: a model list, a stream, an object. */
const script = `
import { createGateway, GatewayError, InvalidOutputError } from "switchboard";
import { z } from "zod";

const [apiBase] = process.argv.slice(2);
const entry = (name, model) => ({ name, provider: "openai", model, apiKey: "\${STRANGER_KEY:-sk-stranger}", apiBase, pricing: { inputPerMillion: 2.5, outputPerMillion: 10 } });
const gateway = createGateway({ models: [entry("first", "gpt-4o"), entry("second", "gpt-4o-mini")], router: { retries: 0 } });
const messages = [{ role: "user", content: "Hello" }];

const completion = await gateway.completion({ model: ["first", "second"], messages });
const stream = gateway.stream({ model: "second", messages });
let streamed = "";
for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
const { object } = await gateway.completionObject({ model: "second", messages, schema: z.object({ city: z.string() }) });
const invalid = await gateway.completionObject({ model: "second", messages, schema: z.object({ city: z.string() }) }).catch((error) => error);
await gateway.close();
console.log(JSON.stringify({
  content: completion.choices[0].message.content,
  switchboard: { ...completion.switchboard, requestId: typeof completion.switchboard.requestId, latencyMs: typeof completion.switchboard.latencyMs },
  streamed,
  streamCost: stream.switchboard.costUsd,
  object,
  invalid: { isGatewayError: invalid instanceof GatewayError, isInvalidOutput: invalid instanceof InvalidOutputError, code: invalid.code, text: invalid.text },
}));
`;

/** The typed API as the README shows it; it must compile cleanly under nodenext + strict. */
const typedUsage = `
import { createGateway, GatewayError, type Completion, type CompletionRequest, type Gateway } from "switchboard";
import { z } from "zod";

const gateway: Gateway = createGateway({ models: [{ name: "gpt-4o", provider: "openai", apiKey: "\${OPENAI_API_KEY}" }], router: { retries: 1 } });

export async function main(signal: AbortSignal): Promise<string> {
  const request: CompletionRequest = { model: ["gpt-4o", "anthropic/claude-sonnet-4"], messages: [{ role: "user", content: "Hi" }], temperature: 0.2, signal };
  const completion: Completion = await gateway.completion(request);
  const content: string | null = completion.choices[0].message.content;
  const cost: string = completion.switchboard.costUsd;
  const stream = gateway.stream({ model: "gpt-4o", messages: request.messages });
  for await (const chunk of stream) void chunk.choices[0]?.delta.content;
  const streamCost: string | undefined = stream.switchboard?.costUsd;
  const { object } = await gateway.completionObject({ model: "gpt-4o", messages: request.messages, schema: z.object({ celsius: z.number() }) });
  const celsius: number = object.celsius;
  const embedding = await gateway.embed({ model: "text-embedding-3-small", input: ["a", "b"] });
  try {
    await gateway.close();
  } catch (error) {
    if (error instanceof GatewayError && error.code === "INVALID_OUTPUT") return error.message;
  }
  return \`\${content} \${cost} \${streamCost} \${celsius} \${embedding.data.length}\`;
}
`;

/** The same API with a misspelt field of the answer: the types are real only if this fails to compile. */
const wrongFieldName = `
import { createGateway } from "switchboard";

const gateway = createGateway();
const completion = await gateway.completion({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }] });
export const cost: string = completion.switchboard.costUSD;
`;

/** Server-side packages the SDK must not load: removed from the project before the script runs. */
const serverOnlyPackages = [
  "graphql",
  "graphql-yoga",
  "graphql-ws",
  "@graphql-yoga",
  "@pothos",
  "@prisma",
  "better-sqlite3",
  "prom-client",
  "ws",
  "dataloader",
];

describe(
  "switchboard packed and installed into an empty project, used as a library",
  { timeout: 180_000 },
  () => {
    let project: StrangerProject;
    let upstream: MockUpstream;

    beforeAll(async () => {
      // Install scripts skipped: better-sqlite3 is not compiled, which the SDK must not need.
      project = await createStrangerProject(".", { ignoreScripts: true });
      upstream = await startMockOpenAIUpstream();
    }, 180_000);
    afterAll(async () => {
      await upstream?.stop();
      project?.remove();
    });

    it("ships the compiled server, its declarations, the CLI, the built dashboard and the migrations, and no TypeScript sources or tests", async () => {
      const files = tarballFiles(project.tarball);
      expect(files).toEqual(
        expect.arrayContaining([
          "package.json",
          "README.md",
          "bin/switchboard.mjs",
          "dist/index.js",
          "dist/index.d.ts",
          "dist/main.js",
          "dist/cli/main.mjs",
          "dist/cli/o200k_base.bpe",
          "dist/cli/query_compiler_small_bg.sqlite.wasm",
          "dist/cli/query_compiler_small_bg.postgresql.wasm",
          "dist/sdk/create-gateway.js",
          "dashboard/dist/index.html",
          "prisma/migrations/sqlite/migration_lock.toml",
        ]),
      );
      expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
      expect(
        files.filter(
          (file) =>
            !/^(package\.json|README\.md|bin\/switchboard\.mjs|dist\/.+|dashboard\/dist\/.+|prisma\/migrations\/.+)$/.test(
              file,
            ),
        ),
      ).toEqual([]);
      expect(
        files.filter((file) => file.startsWith("dashboard/dist/assets/") && file.endsWith(".js"))
          .length,
      ).toBeGreaterThan(3);
      expect(files).not.toContain("dist/.tsbuildinfo");
      // ~5.2 MB: the generated Prisma clients (without their source maps), the dashboard, the
      // server with its source maps (sources inlined, for stack traces), and the CLI's bundle
      // (~1 MB of it, graphql-jit's chunk included) with the tokenizer's ranks (~1 MB) and
      // Prisma's two query compilers (~1.3 MB) beside it; the limit catches a stray folder (a
      // database file, test output), not the next endpoint.
      expect(statSync(project.tarball).size).toBeLessThan(5_400_000);
      // Prisma's query compilers are read from those files, not from their base64 modules.
      const installedCli = path.join(project.directory, "node_modules/switchboard/dist/cli");
      const bundled = readdirSync(installedCli).filter((file) => file.endsWith(".mjs"));
      expect(bundled.length).toBeGreaterThan(1);
      for (const file of bundled)
        expect(readFileSync(path.join(installedCli, file), "utf8")).not.toContain("wasm-base64");
      // The installed bin loads the shipped bundle.
      const help = await project.node("node_modules/switchboard/bin/switchboard.mjs", ["--help"]);
      expect(help.code, help.output).toBe(0);
      expect(help.output).toContain("switchboard --config switchboard.yaml");
    });

    it("runs from plain Node 20 .mjs with the server's packages removed: a model list failing over, a stream, an object", async () => {
      for (const name of serverOnlyPackages)
        rmSync(path.join(project.directory, "node_modules", name), {
          recursive: true,
          force: true,
        });
      upstream.enqueue({ type: "error", status: 503, body: readOpenAIFixture("error-500.json") });
      upstream.enqueue({ type: "completion" });
      upstream.enqueue({ type: "completion" });
      upstream.enqueue({ type: "completion", content: JSON.stringify({ city: "Paris" }) });
      upstream.enqueue({ type: "completion", content: "not JSON" });
      const before = upstream.requests.length;
      project.write("use-sdk.mjs", script);
      const run = await project.node("use-sdk.mjs", [upstream.baseUrl]);
      expect(run.code, run.output).toBe(0);
      expect(JSON.parse(run.output)).toEqual({
        content: "Hello from the mock upstream.",
        switchboard: {
          requestId: "string",
          model: "second",
          provider: "openai",
          deployment: "openai:gpt-4o-mini#1",
          attempts: 2,
          costUsd: "0.0001",
          latencyMs: "number",
        },
        streamed: "Hello from the mock upstream.",
        streamCost: "0.0001",
        object: { city: "Paris" },
        invalid: {
          isGatewayError: true,
          isInvalidOutput: true,
          code: "INVALID_OUTPUT",
          text: "not JSON",
        },
      });
      expect(
        upstream.requests
          .slice(before)
          .map((request) => [request.body.model, request.headers.authorization]),
      ).toEqual([
        ["gpt-4o", "Bearer sk-stranger"],
        ["gpt-4o-mini", "Bearer sk-stranger"],
        ["gpt-4o-mini", "Bearer sk-stranger"],
        ["gpt-4o-mini", "Bearer sk-stranger"],
        ["gpt-4o-mini", "Bearer sk-stranger"],
      ]);
      // No database configured: nothing written beside the project.
      expect(existsSync(path.join(project.directory, ".switchboard"))).toBe(false);
      expect(readdirSync(project.directory).sort()).toEqual(
        [
          path.basename(project.tarball),
          "node_modules",
          "package.json",
          "tsconfig.json",
          "use-sdk.mjs",
        ].sort(),
      );
    });

    it("type-checks under TypeScript module nodenext + strict, and a wrong field name does not compile", async () => {
      project.write("typed-usage.ts", typedUsage);
      const clean = await project.typecheck();
      expect(clean, clean.output).toMatchObject({ code: 0 });

      project.write("wrong-field-name.ts", wrongFieldName);
      const broken = await project.typecheck();
      expect(broken.code).not.toBe(0);
      expect(broken.output).toMatch(
        /wrong-field-name\.ts\(6,\d+\): error TS2551: Property 'costUSD' does not exist on type 'CompletionFacts'\. Did you mean 'costUsd'\?/,
      );
      // Only the deliberate mistake: the rest of the project still compiles.
      expect(
        broken.output
          .trim()
          .split("\n")
          .filter((line) => line.includes("error TS")),
      ).toHaveLength(1);
    });
  },
);
