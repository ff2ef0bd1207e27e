-- AlterTable
ALTER TABLE "outgoing_emails" ADD COLUMN "sealed_secrets" TEXT,
ADD COLUMN "secrets_erased_at" TIMESTAMPTZ(3);

-- One-time links (password reset, e-mail verification) travel in "sealed_secrets", encrypted by the
-- app (AES-256-GCM); the worker opens it to render the message. Once a message is sent or has
-- failed for good, nothing needs it any more: this trigger erases it in the same statement that
-- records the outcome, whichever code path writes it. Prisma cannot express triggers; the drift
-- test allows them.
CREATE FUNCTION "outgoing_emails_erase_secrets"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" IN ('sent', 'failed') AND NEW."sealed_secrets" IS NOT NULL THEN
    NEW."sealed_secrets" := NULL;
    NEW."secrets_erased_at" := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "outgoing_emails_erase_secrets"
BEFORE INSERT OR UPDATE OF "status", "sealed_secrets" ON "outgoing_emails"
FOR EACH ROW EXECUTE FUNCTION "outgoing_emails_erase_secrets"();
