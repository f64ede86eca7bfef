import { createHash, randomBytes } from "node:crypto";
import type { Database } from "../server/storage/db.ts";
import type { RequestRecord } from "../server/gateway/request-record.ts";
import { createRequestLogRepository } from "../server/storage/request-log-repository.ts";

/*
 * Fills a database the way a busy deployment would have filled it: teams, thousands of keys and
 * a million request logs over the last `days` days, written through the same repository the log
 * writer uses (so the rows and the spend counters are exactly what the gateway writes).
 */

export interface SeedSize {
  teams: number;
  keys: number;
  logs: number;
  days: number;
}

const models = [
  { name: "gpt-4o", provider: "openai", inputNanoPerToken: 2_500n, outputNanoPerToken: 10_000n },
  { name: "gpt-4o-mini", provider: "openai", inputNanoPerToken: 150n, outputNanoPerToken: 600n },
  {
    name: "claude-sonnet",
    provider: "anthropic",
    inputNanoPerToken: 3_000n,
    outputNanoPerToken: 15_000n,
  },
  { name: "gemini-flash", provider: "gemini", inputNanoPerToken: 300n, outputNanoPerToken: 2_500n },
  {
    name: "llama-3-70b",
    provider: "openai-compatible",
    inputNanoPerToken: 590n,
    outputNanoPerToken: 790n,
  },
];

/** A small deterministic generator, so two seeded databases hold the same rows. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export async function seedDashboardData(
  database: Database,
  size: SeedSize,
  { now = Date.now(), onProgress = (_done: number) => {} } = {},
): Promise<{ teamIds: string[]; keyIds: string[] }> {
  const { prisma } = database;
  const random = seededRandom(42);
  const teamIds = Array.from(
    { length: size.teams },
    (_, index) => `team-${String(index).padStart(4, "0")}`,
  );
  await prisma.team.createMany({
    data: teamIds.map((id, index) => ({
      id,
      name: `team ${index}`,
      budgetLimitNanoUsd: index % 3 === 0 ? null : BigInt(100 + index) * 1_000_000_000n,
      budgetPeriod: index % 3 === 0 ? "NONE" : "MONTHLY",
      budgetPeriodStart: new Date(now - 40 * 86_400_000),
      createdAt: new Date(now - 100 * 86_400_000 + index * 1_000),
    })),
  });
  const keyIds = Array.from(
    { length: size.keys },
    (_, index) => `key-${String(index).padStart(6, "0")}`,
  );
  for (let start = 0; start < keyIds.length; start += 1_000) {
    await prisma.apiKey.createMany({
      data: keyIds.slice(start, start + 1_000).map((id, offset) => {
        const secret = `sk-sb-${randomBytes(32).toString("base64url")}`;
        return {
          id,
          teamId: teamIds[(start + offset) % teamIds.length],
          name: `service ${start + offset}`,
          prefix: secret.slice(0, 12),
          hash: createHash("sha256").update(secret).digest("hex"),
          createdAt: new Date(now - 90 * 86_400_000 + (start + offset) * 60_000),
        };
      }),
    });
  }

  const repository = createRequestLogRepository(prisma, database.dialect);
  const spanMs = size.days * 86_400_000;
  const batch = 5_000;
  for (let start = 0; start < size.logs; start += batch) {
    const entries: RequestRecord[] = [];
    for (let index = start; index < Math.min(size.logs, start + batch); index++) {
      const model = models[Math.floor(random() * random() * models.length)];
      const keyIndex = Math.floor(random() * keyIds.length);
      const failed = random() < 0.02;
      const promptTokens = failed ? 0 : 50 + Math.floor(random() * 2_000);
      const completionTokens = failed ? 0 : 10 + Math.floor(random() * 800);
      const latencyMs = 200 + Math.floor(random() * 3_000);
      entries.push({
        // Oldest first, as a log writer would have written them.
        id: `req-${String(index).padStart(8, "0")}`,
        createdAt: new Date(now - spanMs + Math.floor((index / size.logs) * spanMs)),
        apiKeyId: keyIds[keyIndex],
        teamId: teamIds[keyIndex % teamIds.length],
        source: random() < 0.7 ? "rest" : "graphql",
        requestedModel: model.name,
        model: model.name,
        provider: model.provider,
        deployment: `${model.provider}/${model.name}`,
        status: failed ? "error" : "success",
        errorCode: failed ? "PROVIDER_ERROR" : undefined,
        errorMessage: failed ? "The provider answered 503." : undefined,
        httpStatus: failed ? 502 : 200,
        promptTokens,
        completionTokens,
        cachedTokens: 0,
        reasoningTokens: 0,
        costNanoUsd:
          BigInt(promptTokens) * model.inputNanoPerToken +
          BigInt(completionTokens) * model.outputNanoPerToken,
        usageEstimated: false,
        latencyMs,
        timeToFirstTokenMs: Math.floor(latencyMs / 4),
        stream: random() < 0.5,
        attempts: [
          {
            deployment: `${model.provider}/${model.name}`,
            provider: model.provider,
            status: failed ? "error" : "success",
            latencyMs,
          },
        ],
      });
    }
    await repository.insertMany(entries);
    onProgress(start + entries.length);
  }
  return { teamIds, keyIds };
}
