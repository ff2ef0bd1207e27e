-- AlterTable
ALTER TABLE "users" ADD COLUMN     "email_announcements" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "email_reminders" BOOLEAN NOT NULL DEFAULT true;
