import { createRequire } from "node:module";

/** The AWS credentials a model entry carries (config fields, defaulting to the AWS_* environment in config.ts). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsRequestSignerOptions {
  /** e.g. "us-east-1" */
  region: string;
  /** The signing name: "bedrock" for Bedrock Runtime, "sagemaker" for SageMaker Runtime. */
  service: string;
  credentials: AwsCredentials;
  /** Injectable for tests (a fixed x-amz-date). */
  now?: () => Date;
}

/** Headers to send for one request: the caller's plus host, x-amz-date, x-amz-content-sha256, authorization (and x-amz-security-token). */
export type SignRequest = (request: {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<Record<string, string>>;

/**
 * AWS Signature Version 4 for a JSON POST, with the Smithy signer the AWS SDK itself uses.
 * The body is hashed into `x-amz-content-sha256` so the upstream can verify it.
 * Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export function createAwsRequestSigner({
  region,
  service,
  credentials,
  now = () => new Date(),
}: AwsRequestSignerOptions): SignRequest {
  // Required here, not imported: configs without a Bedrock or SageMaker deployment never load
  // Smithy (issue 16, time to ready).
  const require = createRequire(import.meta.url);
  const { Hash } = require("@smithy/hash-node") as typeof import("@smithy/hash-node");
  const { SignatureV4 } = require("@smithy/signature-v4") as typeof import("@smithy/signature-v4");
  const signer = new SignatureV4({
    region,
    service,
    credentials,
    sha256: Hash.bind(null, "sha256"),
    applyChecksum: true,
  });
  return async function signRequest({ url, method, headers, body }) {
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const signed = await signer.sign(
      {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        // As sent (a model id's ':' already %3A); Smithy escapes it once more, as SigV4 asks for non-S3 services.
        path: url.pathname,
        query,
        headers: { ...headers, host: url.host },
        body,
      },
      { signingDate: now() },
    );
    return signed.headers as Record<string, string>;
  };
}

/** The model-entry fields every AWS provider takes (config.ts defaults them from AWS_*). */
export interface AwsProviderSettings {
  /** e.g. "us-east-1": part of the default endpoint and of every signature. Required. */
  region?: string;
  /** Required, like secretAccessKey. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** For temporary credentials (sent as x-amz-security-token). */
  sessionToken?: string;
  /** The signing clock (tests fix x-amz-date with it). */
  now?: () => Date;
}

/**
 * The signer for an AWS provider's model entry, with the region and the credentials to mask in
 * errors. Throws naming what is missing, so startup says which field (or AWS_* variable) to set.
 */
export function createAwsProviderSigner(
  provider: string,
  service: string,
  { region, accessKeyId, secretAccessKey, sessionToken, now }: AwsProviderSettings,
) {
  if (!region)
    throw new Error(
      `The ${provider} provider needs a region: set region on the model entry, or AWS_REGION in the environment.`,
    );
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `The ${provider} provider needs AWS credentials: set accessKeyId and secretAccessKey on the model entry, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.`,
    );
  }
  const signRequest = createAwsRequestSigner({
    region,
    service,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    now,
  });
  return { region, signRequest, secrets: [secretAccessKey, sessionToken] };
}
