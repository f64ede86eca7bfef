import { readFileSync } from "node:fs";
import path from "node:path";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import codegenConfig from "../../codegen.ts";
import { printSchemaFile } from "../../scripts/schema-text.ts";

const repositoryRoot = path.resolve(import.meta.dirname, "../..");

describe("committed schema and client", () => {
  it("schema/schema.graphql matches the Pothos schema (run `npm run generate:schema`)", () => {
    const committed = readFileSync(path.join(repositoryRoot, "schema/schema.graphql"), "utf8");
    expect(committed).toBe(printSchemaFile());
  });

  it("client/generated matches codegen over the committed schema and operations (run `npm run generate:client`)", async () => {
    const outputs = await generate({ ...codegenConfig, cwd: repositoryRoot, silent: true }, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const committed = readFileSync(path.resolve(repositoryRoot, output.filename), "utf8");
      expect(committed, `${output.filename} is stale`).toBe(output.content);
    }
  });
});
