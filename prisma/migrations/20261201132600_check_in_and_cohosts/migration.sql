-- Check-in at the door, attendees removed by the organizer (they cannot answer again), co-hosts.

-- AlterTable
ALTER TABLE "rsvps" ADD COLUMN "checked_in_at" TIMESTAMPTZ(3),
ADD COLUMN "removed_at" TIMESTAMPTZ(3);

-- Only someone going can be checked in (undo clears it; cancelling or removal clears it too).
ALTER TABLE "rsvps" ADD CONSTRAINT "rsvps_checked_in_only_going"
  CHECK ("checked_in_at" IS NULL OR "status" = 'going');

-- CreateTable
CREATE TABLE "event_cohosts" (
    "event_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_cohosts_pkey" PRIMARY KEY ("event_id","user_id")
);

-- CreateIndex
CREATE INDEX "event_cohosts_user_id_idx" ON "event_cohosts"("user_id");

-- AddForeignKey
ALTER TABLE "event_cohosts" ADD CONSTRAINT "event_cohosts_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_cohosts" ADD CONSTRAINT "event_cohosts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
