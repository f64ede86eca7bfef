import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { createOpenAICompatibleAdapter } from "../../server/gateway/providers/openai-compatible/openai-compatible-adapter.ts";
import type { ChatRequest, ContentPart } from "../../server/gateway/spec.ts";
import { validateChatRequest } from "../../server/gateway/validate-chat-request.ts";
import { type ScriptedUpstream, startScriptedUpstream } from "../support/scripted-upstream.ts";
import { failureOf, idle } from "./contract-helpers.ts";
import type { ProviderWire } from "./provider-wire.ts";
import { anthropicWire } from "./wires/anthropic-wire.ts";
import { azureWire } from "./wires/azure-wire.ts";
import { bedrockWire } from "./wires/bedrock-wire.ts";
import { deepSeekWire } from "./wires/deepseek-wire.ts";
import { geminiWire } from "./wires/gemini-wire.ts";
import { ollamaWire } from "./wires/ollama-wire.ts";
import { openAIWire } from "./wires/openai-wire.ts";
import { sageMakerWire } from "./wires/sagemaker-wire.ts";
import { vertexWire } from "./wires/vertex-wire.ts";

/*
 * OpenAI `file` content parts (PDFs, as the Vercel AI SDK sends them) on every provider: the
 * exact blocks sent upstream where the provider reads documents, the part unchanged where the
 * provider speaks OpenAI's format, and a 400 naming the part where the provider reads no files.
 */

const pdfData = "JVBERi0xLjQKJcfs";
const pdfPart: ContentPart = {
  type: "file",
  file: { filename: "Q3 report.pdf", file_data: `data:application/pdf;base64,${pdfData}` },
};
const question: ContentPart = { type: "text", text: "Summarise the report." };
const withParts = (model: string, ...parts: ContentPart[]): ChatRequest => ({
  model,
  messages: [{ role: "user", content: [question, ...parts] }],
});

const openAICompatibleWire: ProviderWire = {
  ...openAIWire,
  name: "openai-compatible",
  provider: "openai-compatible",
  createAdapter: ({ origin }, { dispatcher }) =>
    createOpenAICompatibleAdapter({ apiBase: `${origin}/v1`, dispatcher }),
};

/** Runs `cases` with an adapter of `wire` pointed at a scripted upstream; `sentBody` answers with text. */
function onWire(
  wire: ProviderWire,
  cases: (kit: {
    sentBody(request: ChatRequest): Promise<any>;
    refusal(request: ChatRequest): Promise<GatewayError>;
  }) => void,
): void {
  describe(wire.name, () => {
    let upstream: ScriptedUpstream;
    let dispatcher: Dispatcher;
    let adapter: ReturnType<ProviderWire["createAdapter"]>;
    beforeAll(async () => {
      upstream = await startScriptedUpstream();
      dispatcher = createUpstreamDispatcher();
      adapter = wire.createAdapter(upstream, { dispatcher });
    });
    afterAll(async () => {
      await dispatcher?.close();
      await upstream?.stop();
    });
    beforeEach(() => {
      upstream.requests.length = 0;
    });
    cases({
      async sentBody(request) {
        upstream.enqueue(
          wire.text({ pieces: ["ok"], usage: { input: 3, output: 1 }, stream: false }),
        );
        await adapter.chat(request, idle());
        return upstream.requests.at(-1)!.body;
      },
      async refusal(request) {
        const error = await failureOf(adapter.chat(request, idle()));
        expect(error).toBeInstanceOf(GatewayError);
        expect(error).toMatchObject({ code: "BAD_REQUEST", status: 400 });
        // Refused before anything was sent.
        expect(upstream.requests).toHaveLength(0);
        return error;
      },
    });
  });
}

describe("file content parts", () => {
  onWire(anthropicWire, ({ sentBody, refusal }) => {
    it("a PDF becomes a base64 document block titled by its filename; text/plain a text document; an image file an image block", async () => {
      const body = await sentBody(
        withParts(
          anthropicWire.model,
          pdfPart,
          {
            type: "file",
            file: { filename: "notes.txt", file_data: "data:text/plain;base64,SGVsbG8gbm90ZXM=" },
          },
          { type: "file", file: { file_data: "data:image/png;base64,iVBORw0KGgo=" } },
        ),
      );
      expect(body.messages).toMatchInlineSnapshot(`
        [
          {
            "content": [
              {
                "text": "Summarise the report.",
                "type": "text",
              },
              {
                "source": {
                  "data": "JVBERi0xLjQKJcfs",
                  "media_type": "application/pdf",
                  "type": "base64",
                },
                "title": "Q3 report.pdf",
                "type": "document",
              },
              {
                "source": {
                  "data": "Hello notes",
                  "media_type": "text/plain",
                  "type": "text",
                },
                "title": "notes.txt",
                "type": "document",
              },
              {
                "source": {
                  "data": "iVBORw0KGgo=",
                  "media_type": "image/png",
                  "type": "base64",
                },
                "type": "image",
              },
            ],
            "role": "user",
          },
        ]
      `);
    });

    it("a file_id or a file type Anthropic cannot read is a 400 naming the part", async () => {
      const byId = await refusal(
        withParts(anthropicWire.model, { type: "file", file: { file_id: "file-abc123" } }),
      );
      expect(byId.param).toBe("messages[0].content[1]");
      expect(byId.message).toMatch(
        /anthropic cannot read OpenAI file ids \(file_id "file-abc123"\)/,
      );
      const docx = await refusal(
        withParts(anthropicWire.model, {
          type: "file",
          file: { file_data: "data:application/msword;base64,0M8R" },
        }),
      );
      expect(docx.message).toMatch(/anthropic does not support files of type application\/msword/);
    });
  });

  onWire(bedrockWire, ({ sentBody, refusal }) => {
    it("a PDF becomes a document block with Bedrock's format and a name by its rules, unique in the request", async () => {
      const body = await sentBody({
        model: bedrockWire.model,
        messages: [
          { role: "user", content: [question, pdfPart] },
          { role: "assistant", content: "It is about revenue." },
          {
            role: "user",
            content: [
              // The same file again, a name Bedrock would refuse, and no name at all.
              pdfPart,
              {
                type: "file",
                file: {
                  filename: "John's résumé_v2 (final).md",
                  file_data: "data:text/markdown;base64,IyBDVg==",
                },
              },
              { type: "file", file: { file_data: "data:text/csv;base64,YSxiCg==" } },
              { type: "file", file: { file_data: "data:image/jpeg;base64,/9j/4A==" } },
            ],
          },
        ],
      });
      expect(body.messages).toMatchInlineSnapshot(`
        [
          {
            "content": [
              {
                "text": "Summarise the report.",
              },
              {
                "document": {
                  "format": "pdf",
                  "name": "Q3 report",
                  "source": {
                    "bytes": "JVBERi0xLjQKJcfs",
                  },
                },
              },
            ],
            "role": "user",
          },
          {
            "content": [
              {
                "text": "It is about revenue.",
              },
            ],
            "role": "assistant",
          },
          {
            "content": [
              {
                "document": {
                  "format": "pdf",
                  "name": "Q3 report (2)",
                  "source": {
                    "bytes": "JVBERi0xLjQKJcfs",
                  },
                },
              },
              {
                "document": {
                  "format": "md",
                  "name": "John s r sum v2 (final)",
                  "source": {
                    "bytes": "IyBDVg==",
                  },
                },
              },
              {
                "document": {
                  "format": "csv",
                  "name": "document",
                  "source": {
                    "bytes": "YSxiCg==",
                  },
                },
              },
              {
                "image": {
                  "format": "jpeg",
                  "source": {
                    "bytes": "/9j/4A==",
                  },
                },
              },
            ],
            "role": "user",
          },
        ]
      `);
    });

    it("a name is cut to Bedrock's 200 characters, suffix included", async () => {
      const long = `${"a".repeat(250)}.pdf`;
      const body = await sentBody(
        withParts(
          bedrockWire.model,
          {
            type: "file",
            file: { filename: long, file_data: `data:application/pdf;base64,${pdfData}` },
          },
          {
            type: "file",
            file: { filename: long, file_data: `data:application/pdf;base64,${pdfData}` },
          },
        ),
      );
      const names = body.messages[0].content
        .filter((block: any) => block.document)
        .map((block: any) => block.document.name);
      expect(names).toEqual(["a".repeat(200), `${"a".repeat(196)} (2)`]);
    });

    it("a file_id or an unknown document type is a 400 naming the part", async () => {
      const byId = await refusal(
        withParts(bedrockWire.model, { type: "file", file: { file_id: "file-abc123" } }),
      );
      expect(byId.message).toMatch(
        /messages\[0\]\.content\[1\]: bedrock cannot read OpenAI file ids/,
      );
      const zip = await refusal(
        withParts(bedrockWire.model, {
          type: "file",
          file: { filename: "a.zip", file_data: "data:application/zip;base64,UEsDBA==" },
        }),
      );
      expect(zip.message).toMatch(/bedrock does not support files of type application\/zip/);
    });
  });

  for (const wire of [geminiWire, vertexWire])
    onWire(wire, ({ sentBody, refusal }) => {
      it("a PDF becomes inlineData with its MIME type (bare base64 typed by the filename)", async () => {
        const body = await sentBody(
          withParts(wire.model, pdfPart, {
            type: "file",
            file: { filename: "scan.pdf", file_data: pdfData },
          }),
        );
        expect(body.contents).toMatchInlineSnapshot(`
          [
            {
              "parts": [
                {
                  "text": "Summarise the report.",
                },
                {
                  "inlineData": {
                    "data": "JVBERi0xLjQKJcfs",
                    "mimeType": "application/pdf",
                  },
                },
                {
                  "inlineData": {
                    "data": "JVBERi0xLjQKJcfs",
                    "mimeType": "application/pdf",
                  },
                },
              ],
              "role": "user",
            },
          ]
        `);
      });

      it("a file_id is a 400 naming it", async () => {
        const byId = await refusal(
          withParts(wire.model, { type: "file", file: { file_id: "file-abc123" } }),
        );
        expect(byId.message).toContain(
          'Gemini cannot read OpenAI file ids (file_id "file-abc123")',
        );
      });
    });

  for (const wire of [openAIWire, azureWire, openAICompatibleWire])
    onWire(wire, ({ sentBody }) => {
      it("file parts pass through unchanged, file_id included", async () => {
        const byId: ContentPart = { type: "file", file: { file_id: "file-abc123" } };
        const body = await sentBody(withParts(wire.model, pdfPart, byId));
        expect(body.messages[0].content).toEqual([question, pdfPart, byId]);
      });
    });

  for (const wire of [deepSeekWire, ollamaWire, sageMakerWire])
    onWire(wire, ({ refusal }) => {
      it("a file part is a 400 naming the part type", async () => {
        const error = await refusal(withParts(wire.model, pdfPart));
        expect(error.message).toMatch(/does not support content parts of type "file"/);
        expect(error.message).toContain(wire.provider);
      });
    });
});

describe("file parts in request validation", () => {
  it("a file part needs file_data or file_id", () => {
    for (const file of [undefined, {}, { filename: "a.pdf" }, { file_data: 7 }]) {
      expect(() =>
        validateChatRequest(withParts("any", { type: "file", file } as ContentPart)),
      ).toThrow(
        expect.objectContaining({
          code: "BAD_REQUEST",
          param: "messages.0.content.1.file",
          message: expect.stringContaining("a file part needs file: { file_data"),
        }),
      );
    }
    expect(validateChatRequest(withParts("any", pdfPart)).messages[0].content).toEqual([
      question,
      pdfPart,
    ]);
  });
});
