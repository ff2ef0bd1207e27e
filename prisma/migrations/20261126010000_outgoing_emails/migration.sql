-- CreateEnum
CREATE TYPE "outgoing_email_status" AS ENUM ('queued', 'sending', 'sent', 'failed');

-- CreateTable
CREATE TABLE "outgoing_emails" (
    "id" UUID NOT NULL,
    "to_address" VARCHAR(254) NOT NULL,
    "template" VARCHAR(100) NOT NULL,
    "subject" VARCHAR(998) NOT NULL,
    "context" JSONB NOT NULL DEFAULT '{}',
    "status" "outgoing_email_status" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "message_id" VARCHAR(255) NOT NULL,
    "enqueued_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outgoing_emails_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outgoing_emails_message_id_key" ON "outgoing_emails"("message_id");

-- CreateIndex
CREATE INDEX "outgoing_emails_status_enqueued_at_created_at_idx" ON "outgoing_emails"("status", "enqueued_at", "created_at");

-- CreateIndex
CREATE INDEX "outgoing_emails_status_sent_at_idx" ON "outgoing_emails"("status", "sent_at");

-- CreateIndex
CREATE INDEX "outgoing_emails_created_at_idx" ON "outgoing_emails"("created_at");

-- CreateIndex
CREATE INDEX "outgoing_emails_to_address_idx" ON "outgoing_emails"("to_address");
