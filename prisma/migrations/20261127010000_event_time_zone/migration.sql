-- AlterTable
ALTER TABLE "events" ADD COLUMN     "time_zone" VARCHAR(64) NOT NULL DEFAULT 'UTC';
