import { generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { convertToGeminiRequest } from "../../server/gateway/providers/gemini/convert-to-gemini-request.ts";
import {
  createVertexAdapter,
  vertexOrigin,
  vertexUrlBuilder,
} from "../../server/gateway/providers/vertex/vertex-adapter.ts";
import type { ChatRequest } from "../../server/gateway/spec.ts";
import {
  jsonReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { richRequest, runChatContract } from "./chat-contract.ts";
import { drain, failureOf, idle } from "./contract-helpers.ts";
import { geminiTextAnswer, readGeminiFixture } from "./wires/gemini-wire.ts";
import {
  vertexEmbeddingsReply,
  vertexModelPath,
  vertexTestToken,
  vertexWire,
} from "./wires/vertex-wire.ts";

runChatContract(vertexWire);

const hello: ChatRequest = {
  model: "gemini-2.5-flash",
  messages: [{ role: "user", content: "Say hello" }],
};
const ok = () =>
  geminiTextAnswer({ pieces: ["ok"], usage: { input: 1, output: 1 }, stream: false });

describe("vertex: provider specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: Dispatcher;
  const adapterWith = (options: Partial<Parameters<typeof createVertexAdapter>[0]> = {}) =>
    createVertexAdapter({
      project: "test-project",
      apiBase: upstream.origin,
      dispatcher,
      getAccessToken: async () => vertexTestToken,
      ...options,
    });

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
  });
  afterAll(async () => {
    await dispatcher?.close();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  describe("URLs and headers", () => {
    it("sends richRequest, Gemini's body, to the project's publisher model with a bearer token", async () => {
      upstream.enqueue(ok());
      await adapterWith().chat({ ...richRequest, model: "gemini-2.5-flash" }, idle());
      const [sent] = upstream.requests;
      expect(sent.path).toBe(`${vertexModelPath}/gemini-2.5-flash:generateContent`);
      expect(sent.headers).toMatchObject({
        authorization: `Bearer ${vertexTestToken}`,
        "content-type": "application/json",
      });
      // Exactly Gemini's body (its snapshot is in gemini.contract.test.ts).
      expect(sent.body).toEqual(
        convertToGeminiRequest({ ...richRequest, model: "gemini-2.5-flash" }),
      );
      expect(
        sent.body.contents.every(
          (content: { role?: string }) => content.role === "user" || content.role === "model",
        ),
      ).toBe(true);
    });

    it("uses the location, keeps a full resource name as the model, and streams with alt=sse", async () => {
      upstream.enqueue(ok());
      await adapterWith({ location: "europe-west4" }).chat(
        { ...hello, model: "projects/p-9/locations/europe-west4/endpoints/1234" },
        idle(),
      );
      upstream.enqueue(
        geminiTextAnswer({ pieces: ["a", "b"], usage: { input: 1, output: 1 }, stream: true }),
      );
      await drain(adapterWith({ location: "global" }).chatStream(hello, idle()));
      expect(upstream.requests.map((sent) => sent.path)).toEqual([
        "/v1/projects/p-9/locations/europe-west4/endpoints/1234:generateContent",
        "/v1/projects/test-project/locations/global/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
      ]);
    });

    it("builds the regional and the global endpoint", () => {
      expect(vertexOrigin("us-central1")).toBe("https://us-central1-aiplatform.googleapis.com");
      expect(vertexOrigin("global")).toBe("https://aiplatform.googleapis.com");
      const urlFor = vertexUrlBuilder({
        origin: vertexOrigin("global"),
        project: "my-proj",
        location: "global",
      });
      expect(urlFor("gemini-2.5-pro", "generateContent").href).toBe(
        "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google/models/gemini-2.5-pro:generateContent",
      );
      expect(
        vertexUrlBuilder({
          origin: "https://proxy.example/v1beta1/",
          project: "p",
          location: "us-east5",
        })("m", "predict").href,
      ).toBe(
        "https://proxy.example/v1beta1/projects/p/locations/us-east5/publishers/google/models/m:predict",
      );
    });

    it("needs a project", () => {
      expect(() => createVertexAdapter({ project: "" })).toThrow(/needs a project/);
    });
  });

  describe("credentials", () => {
    let directory: string;
    let keyFile: string;
    let publicKey: string;
    const clientEmail = "gateway@test-project.iam.gserviceaccount.com";
    // The key file's token_uri is the scripted upstream (a private endpoint's stand-in): the token
    // request must go there, not to https://oauth2.googleapis.com/token.

    beforeAll(() => {
      const keys = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      publicKey = keys.publicKey;
      directory = mkdtempSync(join(tmpdir(), "switchboard-vertex-"));
      keyFile = join(directory, "service-account.json");
      writeFileSync(
        keyFile,
        JSON.stringify({
          type: "service_account",
          project_id: "test-project",
          private_key_id: "key-1",
          private_key: keys.privateKey,
          client_email: clientEmail,
          client_id: "1234567890",
          auth_uri: "https://accounts.google.com/o/oauth2/auth",
          token_uri: new URL("/private-endpoint/token", upstream.origin).href,
        }),
      );
    });
    afterAll(() => rmSync(directory, { recursive: true, force: true }));

    it("signs a JWT with the service-account key, trades it for an access token at the key file's token_uri, sends it as the bearer and reuses it", async () => {
      const adapter = adapterWith({
        getAccessToken: undefined,
        credentials: keyFile,
      });
      upstream.enqueue(
        jsonReply(200, {
          access_token: "ya29.from-the-token-endpoint",
          expires_in: 3599,
          token_type: "Bearer",
        }),
      );
      upstream.enqueue(ok());
      upstream.enqueue(ok());
      await adapter.chat(hello, idle());
      await adapter.chat(hello, idle());

      const [tokenRequest, first, second] = upstream.requests;
      expect(upstream.requests).toHaveLength(3);
      expect(tokenRequest.path).toBe("/private-endpoint/token");
      const form = new URLSearchParams(tokenRequest.rawBody);
      expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
      const [header, payload, signature] = form.get("assertion")!.split(".");
      expect(
        verify(
          "RSA-SHA256",
          Buffer.from(`${header}.${payload}`),
          publicKey,
          Buffer.from(signature, "base64url"),
        ),
      ).toBe(true);
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      expect(claims).toMatchObject({
        iss: clientEmail,
        scope: "https://www.googleapis.com/auth/cloud-platform",
        aud: "https://oauth2.googleapis.com/token",
      });
      expect(claims.exp - claims.iat).toBe(3600);
      expect(first.headers.authorization).toBe("Bearer ya29.from-the-token-endpoint");
      expect(second.headers.authorization).toBe("Bearer ya29.from-the-token-endpoint");
    });

    it("a token endpoint refusing the key is a credentials failure: not retried, 502 to the caller, nothing sent to the model", async () => {
      const adapter = adapterWith({
        getAccessToken: undefined,
        credentials: keyFile,
      });
      upstream.setDefault(
        jsonReply(400, { error: "invalid_grant", error_description: "Invalid JWT Signature." }),
      );
      try {
        const error = await failureOf(adapter.chat(hello, idle()));
        expect(error).toBeInstanceOf(UpstreamError);
        expect(error).toMatchObject({
          provider: "vertex",
          kind: "http",
          upstreamStatus: 401,
          upstreamCode: "invalid_grant",
          isRetryable: false,
          status: 502,
        });
        expect(error.message).toContain("vertex could not get an access token");
        expect(upstream.requests.every((sent) => sent.path === "/private-endpoint/token")).toBe(
          true,
        );
      } finally {
        upstream.setDefault({ status: 599, frames: ["no reply scripted"] });
      }
    });

    it("a missing key file is a credentials failure", async () => {
      const error = await failureOf(
        adapterWith({
          getAccessToken: undefined,
          credentials: join(directory, "absent.json"),
        }).chat(hello, idle()),
      );
      expect(error).toMatchObject({
        provider: "vertex",
        upstreamStatus: 401,
        upstreamCode: "credentials",
        isRetryable: false,
      });
      expect(upstream.requests).toHaveLength(0);
    });

    it("an abort while the token is being fetched rethrows the signal's reason and sends nothing", async () => {
      const controller = new AbortController();
      const reason = new Error("the caller went away");
      const pending = failureOf(
        adapterWith({ getAccessToken: () => new Promise(() => {}) }).chat(hello, {
          signal: controller.signal,
        }),
      );
      controller.abort(reason);
      expect(await pending).toBe(reason);
      expect(upstream.requests).toHaveLength(0);
    });

    it("a Google Cloud API key without credentials is sent as x-goog-api-key on the same project URL", async () => {
      upstream.enqueue(ok());
      await adapterWith({ getAccessToken: undefined, apiKey: "AIzaSy-test-vertex-key-0123" }).chat(
        hello,
        idle(),
      );
      const [sent] = upstream.requests;
      expect(sent.path).toBe(`${vertexModelPath}/gemini-2.5-flash:generateContent`);
      expect(sent.headers["x-goog-api-key"]).toBe("AIzaSy-test-vertex-key-0123");
      expect(sent.headers.authorization).toBeUndefined();
    });

    it("a 401 from Vertex AI (an expired token) is not retried", async () => {
      upstream.enqueue(jsonReply(401, readGeminiFixture("error-401-vertex.json")));
      const error = await failureOf(adapterWith().chat(hello, idle()));
      expect(error).toMatchObject({
        upstreamStatus: 401,
        upstreamCode: "UNAUTHENTICATED",
        isRetryable: false,
        status: 502,
      });
      expect(error.message).not.toContain(vertexTestToken);
    });
  });

  describe("embeddings", () => {
    it("sends :predict with instances and outputDimensionality and sums the reported token counts", async () => {
      upstream.setDefault(vertexEmbeddingsReply);
      try {
        const response = await adapterWith().embed!(
          { model: "text-embedding-005", input: ["hello", "world!"], dimensions: 256 },
          idle(),
        );
        const [sent] = upstream.requests;
        expect(sent.path).toBe(`${vertexModelPath}/text-embedding-005:predict`);
        expect(sent.headers.authorization).toBe(`Bearer ${vertexTestToken}`);
        expect(sent.body).toEqual({
          instances: [{ content: "hello" }, { content: "world!" }],
          parameters: { outputDimensionality: 256 },
        });
        expect(response.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });
      } finally {
        upstream.setDefault({ status: 599, frames: ["no reply scripted"] });
      }
    });

    it("sends gemini-embedding models one input per call (Vertex takes one instance for them)", async () => {
      upstream.setDefault(vertexEmbeddingsReply);
      try {
        const response = await adapterWith().embed!(
          { model: "gemini-embedding-001", input: ["a", "bb", "ccc"] },
          idle(),
        );
        expect(upstream.requests.map((sent) => sent.body.instances)).toEqual([
          [{ content: "a" }],
          [{ content: "bb" }],
          [{ content: "ccc" }],
        ]);
        expect(response.data.map((entry) => entry.index)).toEqual([0, 1, 2]);
        expect(response.usage?.prompt_tokens).toBe(6);
      } finally {
        upstream.setDefault({ status: 599, frames: ["no reply scripted"] });
      }
    });

    it("reads the documented predict answer", async () => {
      upstream.enqueue(jsonReply(200, readGeminiFixture("vertex-predict-embeddings.json")));
      const response = await adapterWith().embed!(
        { model: "text-embedding-005", input: ["a", "b"] },
        idle(),
      );
      expect(response.data[1].embedding).toEqual([
        -0.06007182598114014, 0.004907649010419846, -0.00690646655857563,
      ]);
      expect(response.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });
    });
  });
});
