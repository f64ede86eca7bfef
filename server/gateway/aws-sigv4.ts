import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

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
export type SignRequest = (request: { url: URL; method: string; headers: Record<string, string>; body: string }) => Promise<Record<string, string>>;

/**
 * AWS Signature Version 4 for a JSON POST, with the Smithy signer the AWS SDK itself uses.
 * The body is hashed into `x-amz-content-sha256` so the upstream can verify it.
 * Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export function createAwsRequestSigner({ region, service, credentials, now = () => new Date() }: AwsRequestSignerOptions): SignRequest {
  const signer = new SignatureV4({ region, service, credentials, sha256: Hash.bind(null, "sha256"), applyChecksum: true });
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
