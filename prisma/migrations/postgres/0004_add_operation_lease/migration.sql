-- CreateTable
CREATE TABLE "OperationLease" (
    "deployment" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "operationId" TEXT,
    "token" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OperationLease_pkey" PRIMARY KEY ("deployment")
);

