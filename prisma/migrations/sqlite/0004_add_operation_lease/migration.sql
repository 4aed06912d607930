-- CreateTable
CREATE TABLE "OperationLease" (
    "deployment" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "operationId" TEXT,
    "token" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" DATETIME NOT NULL
);

