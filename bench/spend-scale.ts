import BetterSqlite3 from "better-sqlite3";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSpendService } from "../server/modules/spend/spend.service.ts";
import { databaseFilePath } from "../server/storage/migrate.ts";
import { openDatabase } from "../server/storage/db.ts";
import {
  createRequestLogRepository,
  type SpendGroupBy,
} from "../server/storage/request-log-repository.ts";

/*
 * `npm run bench:spend`: spend queries at ten million request logs (SQLite). Seeds (once, then
 * reuses) a database with `--logs` logs over `--days` days, 10,000 keys in 100 teams and five
 * models, inside SQLite itself (one INSERT … SELECT per 250,000 rows: the repository's batched
 * writer would take ~40 minutes for 10M), then builds the daily rollups from those logs with the
 * same GROUP BY the migration uses to backfill them. It then times the Overview's queries both
 * ways — grouped over the logs (how `spend` worked before the rollups) and through the spend
 * service (rollups for whole days) — checks both give the same rows, and writes the figures.
 */

const { values: flags } = parseArgs({
  options: {
    logs: { type: "string", default: "10000000" },
    days: { type: "string", default: "60" },
    keys: { type: "string", default: "10000" },
    teams: { type: "string", default: "100" },
    runs: { type: "string", default: "5" },
    directory: { type: "string", default: "/tmp/switchboard-spend-scale" },
    reseed: { type: "boolean", default: false },
    output: { type: "string", default: "bench/results/spend-scale.json" },
  },
});
const size = {
  logs: Number(flags.logs),
  days: Number(flags.days),
  keys: Number(flags.keys),
  teams: Number(flags.teams),
};
const directory = path.join(flags.directory, `${size.logs}-logs-${size.days}-days`);
const databaseUrl = `file:${path.join(directory, "switchboard.db")}`;
const dayMs = 86_400_000;
const now = Date.now();
const todayStart = Math.floor(now / dayMs) * dayMs;

if (flags.reseed) rmSync(directory, { recursive: true, force: true });
if (!existsSync(path.join(directory, "seeded"))) {
  mkdirSync(directory, { recursive: true });
  const database = await openDatabase({ url: databaseUrl }); // creates and migrates it
  await database.close();
  seed();
  writeFileSync(path.join(directory, "seeded"), new Date(now).toISOString());
}

/**
 * Logs spread evenly over the last `days` days up to now, oldest first (as a log writer writes
 * them). A multiplicative hash of the row number picks key, model, tokens and a 2% error rate, so
 * two seeded databases hold the same rows.
 */
function seed(): void {
  const sqlite = new BetterSqlite3(databaseFilePath(databaseUrl));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");
  const spanMs = size.days * dayMs;
  const firstMs = now - spanMs;
  // model: [name, provider, input nano-USD per token, output nano-USD per token], skewed to the first.
  const modelCase = (column: number) =>
    `CASE WHEN m < 40 THEN ${["'gpt-4o-mini'", "'openai'", 150, 600][column]}
          WHEN m < 65 THEN ${["'gpt-4o'", "'openai'", 2500, 10000][column]}
          WHEN m < 80 THEN ${["'claude-sonnet'", "'anthropic'", 3000, 15000][column]}
          WHEN m < 92 THEN ${["'gemini-flash'", "'gemini'", 300, 2500][column]}
          ELSE ${["'llama-3-70b'", "'openai-compatible'", 590, 790][column]} END`;
  const insert = sqlite.prepare(`
    INSERT INTO "RequestLog" ("id", "createdAt", "day", "apiKeyId", "teamId", "source", "requestedModel",
      "model", "provider", "deployment", "status", "errorCode", "httpStatus", "promptTokens",
      "completionTokens", "costNanoUsd", "latencyMs", "stream", "attempts")
    WITH RECURSIVE seq(n) AS (SELECT @first UNION ALL SELECT n + 1 FROM seq WHERE n < @last),
    hashed AS (SELECT n, (n * 2654435761) % 4294967296 AS h FROM seq),
    picked AS (
      SELECT n, h, (h / 256) % 100 AS m, (h / 65536) % 50 = 0 AS failed,
        (@firstMs + n * @spanMs / @logs) / 1000.0 AS seconds FROM hashed),
    shaped AS (
      SELECT *, ${modelCase(0)} AS model, ${modelCase(1)} AS provider,
        ${modelCase(2)} AS inputPrice, ${modelCase(3)} AS outputPrice,
        CASE WHEN failed THEN 0 ELSE 50 + (h / 16) % 2000 END AS promptTokens,
        CASE WHEN failed THEN 0 ELSE 10 + (h / 4096) % 800 END AS completionTokens
      FROM picked)
    SELECT 'req-' || printf('%09d', n), strftime('%Y-%m-%dT%H:%M:%f+00:00', seconds, 'unixepoch'),
      strftime('%Y-%m-%d', seconds, 'unixepoch'), 'key-' || printf('%06d', h % @keys),
      'team-' || printf('%04d', (h % @keys) % @teams), 'rest', model, model, provider,
      provider || '/' || model, CASE WHEN failed THEN 'error' ELSE 'success' END,
      CASE WHEN failed THEN 'PROVIDER_ERROR' END, CASE WHEN failed THEN 502 ELSE 200 END,
      promptTokens, completionTokens, promptTokens * inputPrice + completionTokens * outputPrice,
      200 + h % 3000, h % 2, '[]'
    FROM shaped`);
  const chunk = 250_000;
  const started = Date.now();
  for (let first = 0; first < size.logs; first += chunk) {
    const last = Math.min(size.logs, first + chunk) - 1;
    sqlite.transaction(() => insert.run({ first, last, firstMs, spanMs, ...size }))();
    console.log(`seeded ${last + 1} logs (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  const rollupsStarted = Date.now();
  // The migration's backfill (prisma/migrations/*/…_spend_rollups_and_request_bodies).
  for (const [dimension, value] of [
    ["model", `"requestedModel"`],
    ["provider", `COALESCE("provider", '')`],
    ["apiKey", `COALESCE("apiKeyId", '')`],
  ])
    sqlite.exec(`INSERT INTO "SpendRollup" ("dimension", "day", "teamId", "value", "status", "requests",
        "promptTokens", "completionTokens", "costNanoUsd")
      SELECT '${dimension}', "day", COALESCE("teamId", ''), ${value}, "status", COUNT(*),
        SUM("promptTokens"), SUM("completionTokens"), SUM("costNanoUsd")
      FROM "RequestLog" GROUP BY "day", COALESCE("teamId", ''), ${value}, "status"`);
  console.log(`rollups built in ${Math.round((Date.now() - rollupsStarted) / 1000)} s`);
  sqlite.exec("ANALYZE");
  sqlite.close();
}

const database = await openDatabase({ url: databaseUrl });
const repository = createRequestLogRepository(
  database.prisma,
  database.dialect,
  database.writeStatements,
);
const spend = createSpendService({ requestLogs: repository, now: () => now, requestLogsDays: 90 });
const counts = await database.prisma.$queryRawUnsafe<Array<{ logs: bigint; rollups: bigint }>>(
  `SELECT (SELECT COUNT(*) FROM "RequestLog") AS logs, (SELECT COUNT(*) FROM "SpendRollup") AS rollups`,
);
const thisMonth = new Date(
  Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1),
);
const lastMonth = new Date(Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() - 1, 1));
/** The Overview's windows: the last 30 UTC days (today included), and last calendar month. */
const queries: Array<{ name: string; groupBy: SpendGroupBy; from: Date; to?: Date }> = [
  { name: "DAY, last 30 days", groupBy: "DAY", from: new Date(todayStart - 29 * dayMs) },
  { name: "MODEL, last month", groupBy: "MODEL", from: lastMonth, to: thisMonth },
  { name: "TEAM, last 30 days", groupBy: "TEAM", from: new Date(todayStart - 29 * dayMs) },
  { name: "API_KEY, last 30 days", groupBy: "API_KEY", from: new Date(todayStart - 29 * dayMs) },
];

async function timed<Result>(run: () => Promise<Result>): Promise<{ ms: number; result: Result }> {
  const result = await run(); // warm-up: page cache and statement preparation
  const times: number[] = [];
  for (let index = 0; index < Number(flags.runs); index++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((left, right) => left - right);
  return { ms: Math.round(times[Math.floor(times.length / 2)] * 10) / 10, result };
}

const results = [];
for (const query of queries) {
  const filter = { from: query.from, to: query.to };
  const fromLogs = await timed(() => repository.spendFromLogs(query.groupBy, filter));
  const fromRollups = await timed(() => spend.spend(query.groupBy, filter));
  const same = JSON.stringify(fromLogs.result, (_key, value) =>
    typeof value === "bigint" ? String(value) : value,
  );
  const identical =
    same ===
    JSON.stringify(fromRollups.result, (_key, value) =>
      typeof value === "bigint" ? String(value) : value,
    );
  const requests = fromLogs.result.reduce((total, row) => total + row.requests, 0);
  results.push({
    query: query.name,
    rows: fromLogs.result.length,
    requests,
    logsMs: fromLogs.ms,
    rollupsMs: fromRollups.ms,
    identical,
  });
  console.log(
    `${query.name.padEnd(24)} ${String(requests).padStart(9)} requests in ${String(fromLogs.result.length).padStart(5)} rows: ` +
      `from logs ${fromLogs.ms} ms, from rollups ${fromRollups.ms} ms, identical: ${identical}`,
  );
}
await database.close();

const report = {
  measuredAt: new Date().toISOString(),
  database: "SQLite (WAL), one process",
  logs: Number(counts[0].logs),
  rollupRows: Number(counts[0].rollups),
  size,
  runs: Number(flags.runs),
  note: "median of the runs after one warm-up; 'from logs' is spend grouped over RequestLog (before the rollups), 'from rollups' is the spend service",
  results,
};
mkdirSync(path.dirname(flags.output!), { recursive: true });
writeFileSync(flags.output!, `${JSON.stringify(report, null, 2)}\n`);
console.log(`${report.logs} logs, ${report.rollupRows} rollup rows; written to ${flags.output}`);
