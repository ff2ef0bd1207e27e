-- AlterTable
ALTER TABLE "events" ADD COLUMN     "cover_image" VARCHAR(100);
