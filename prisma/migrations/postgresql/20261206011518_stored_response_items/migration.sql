-- CreateTable
CREATE TABLE "StoredResponseItem" (
    "id" TEXT NOT NULL,
    "responseId" TEXT NOT NULL,
    "teamId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StoredResponseItem_pkey" PRIMARY KEY ("id","responseId")
);

-- CreateIndex
CREATE INDEX "StoredResponseItem_teamId_id_idx" ON "StoredResponseItem"("teamId", "id");

-- CreateIndex
CREATE INDEX "StoredResponseItem_createdAt_idx" ON "StoredResponseItem"("createdAt");
