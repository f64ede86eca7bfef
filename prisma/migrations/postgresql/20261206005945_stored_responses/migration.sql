-- CreateTable
CREATE TABLE "StoredResponse" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "teamId" TEXT,
    "apiKeyId" TEXT,
    "requestId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "response" JSONB NOT NULL,

    CONSTRAINT "StoredResponse_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StoredResponse_createdAt_idx" ON "StoredResponse"("createdAt");

-- CreateIndex
CREATE INDEX "StoredResponse_teamId_createdAt_idx" ON "StoredResponse"("teamId", "createdAt");
