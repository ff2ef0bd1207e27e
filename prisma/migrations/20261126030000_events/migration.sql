-- CreateEnum
CREATE TYPE "event_status" AS ENUM ('published', 'cancelled');

-- CreateEnum
CREATE TYPE "rsvp_status" AS ENUM ('going', 'waitlisted', 'cancelled');

-- CreateEnum
CREATE TYPE "task_kind" AS ENUM ('email_attendees', 'export_attendees_csv');

-- CreateEnum
CREATE TYPE "task_status" AS ENUM ('pending', 'running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "events" (
    "id" SERIAL NOT NULL,
    "organizer_id" INTEGER NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "location" VARCHAR(200) NOT NULL DEFAULT '',
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "capacity" INTEGER NOT NULL,
    "going_count" INTEGER NOT NULL DEFAULT 0,
    "status" "event_status" NOT NULL DEFAULT 'published',
    "cancelled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rsvps" (
    "id" SERIAL NOT NULL,
    "event_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "status" "rsvp_status" NOT NULL,
    "responded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reminder_sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rsvps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tasks" (
    "id" UUID NOT NULL,
    "owner_id" INTEGER NOT NULL,
    "event_id" INTEGER,
    "kind" "task_kind" NOT NULL,
    "status" "task_status" NOT NULL DEFAULT 'pending',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "input" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "error" TEXT,
    "file" BYTEA,
    "expires_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "events_status_starts_at_id_idx" ON "events"("status", "starts_at", "id");

-- CreateIndex
CREATE INDEX "events_organizer_id_starts_at_idx" ON "events"("organizer_id", "starts_at");

-- CreateIndex
CREATE INDEX "rsvps_event_id_status_responded_at_id_idx" ON "rsvps"("event_id", "status", "responded_at", "id");

-- CreateIndex
CREATE INDEX "rsvps_user_id_status_idx" ON "rsvps"("user_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "rsvps_event_id_user_id_key" ON "rsvps"("event_id", "user_id");

-- CreateIndex
CREATE INDEX "tasks_owner_id_created_at_idx" ON "tasks"("owner_id", "created_at");

-- CreateIndex
CREATE INDEX "tasks_event_id_idx" ON "tasks"("event_id");

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_organizer_id_fkey" FOREIGN KEY ("organizer_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rsvps" ADD CONSTRAINT "rsvps_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rsvps" ADD CONSTRAINT "rsvps_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (Prisma cannot express these; the drift test ignores them).
-- The last line of defence for capacity: even a buggy code path cannot overbook an event.
ALTER TABLE "events" ADD CONSTRAINT "events_capacity_positive" CHECK ("capacity" >= 1);
ALTER TABLE "events" ADD CONSTRAINT "events_going_within_capacity" CHECK ("going_count" >= 0 AND "going_count" <= "capacity");
ALTER TABLE "events" ADD CONSTRAINT "events_ends_after_starts" CHECK ("ends_at" > "starts_at");
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_progress_range" CHECK ("progress" BETWEEN 0 AND 100);

-- Full-text search over title, description and location. An expression index rather than a
-- generated tsvector column keeps the Prisma schema and the database in agreement; queries use
-- exactly this expression (src/events/event-search.ts).
CREATE INDEX "events_search_idx" ON "events" USING GIN (to_tsvector('english'::regconfig, "title" || ' ' || "description" || ' ' || "location"));
