-- AlterEnum
ALTER TYPE "event_status" ADD VALUE 'draft';
