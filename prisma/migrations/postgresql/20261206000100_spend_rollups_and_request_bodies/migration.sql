-- CreateTable
CREATE TABLE "SpendRollup" (
    "dimension" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" BIGINT NOT NULL DEFAULT 0,
    "completionTokens" BIGINT NOT NULL DEFAULT 0,
    "costNanoUsd" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "SpendRollup_pkey" PRIMARY KEY ("dimension","day","teamId","value","status")
);

-- CreateTable
CREATE TABLE "RequestBody" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "prompt" JSONB NOT NULL,
    "answer" JSONB,

    CONSTRAINT "RequestBody_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SpendRollup_dimension_teamId_day_idx" ON "SpendRollup"("dimension", "teamId", "day");

-- CreateIndex
CREATE INDEX "RequestBody_createdAt_idx" ON "RequestBody"("createdAt");

-- Backfill: the rollups of the logs stored before this migration, so spend stays exact once they are pruned.
INSERT INTO "SpendRollup" ("dimension", "day", "teamId", "value", "status", "requests", "promptTokens", "completionTokens", "costNanoUsd")
SELECT 'model', "day", COALESCE("teamId", ''), "requestedModel", "status", COUNT(*), SUM("promptTokens"), SUM("completionTokens"), SUM("costNanoUsd")
FROM "RequestLog" GROUP BY "day", COALESCE("teamId", ''), "requestedModel", "status";
INSERT INTO "SpendRollup" ("dimension", "day", "teamId", "value", "status", "requests", "promptTokens", "completionTokens", "costNanoUsd")
SELECT 'provider', "day", COALESCE("teamId", ''), COALESCE("provider", ''), "status", COUNT(*), SUM("promptTokens"), SUM("completionTokens"), SUM("costNanoUsd")
FROM "RequestLog" GROUP BY "day", COALESCE("teamId", ''), COALESCE("provider", ''), "status";
INSERT INTO "SpendRollup" ("dimension", "day", "teamId", "value", "status", "requests", "promptTokens", "completionTokens", "costNanoUsd")
SELECT 'apiKey', "day", COALESCE("teamId", ''), COALESCE("apiKeyId", ''), "status", COUNT(*), SUM("promptTokens"), SUM("completionTokens"), SUM("costNanoUsd")
FROM "RequestLog" GROUP BY "day", COALESCE("teamId", ''), COALESCE("apiKeyId", ''), "status";
