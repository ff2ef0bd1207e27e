-- AlterTable
ALTER TABLE "events" ALTER COLUMN "capacity" DROP NOT NULL;

-- No capacity means no limit; with one, the going count stays within it.
ALTER TABLE "events" DROP CONSTRAINT "events_going_within_capacity";
ALTER TABLE "events" ADD CONSTRAINT "events_going_within_capacity" CHECK ("going_count" >= 0 AND ("capacity" IS NULL OR "going_count" <= "capacity"));
