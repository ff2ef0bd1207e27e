-- CreateEnum
CREATE TYPE "account_token_purpose" AS ENUM ('email_verification', 'password_reset');

-- CreateTable
CREATE TABLE "auth_groups" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(150) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_permissions" (
    "id" SERIAL NOT NULL,
    "codename" VARCHAR(100) NOT NULL,
    "name" VARCHAR(255) NOT NULL,

    CONSTRAINT "auth_permissions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_user_groups" (
    "user_id" INTEGER NOT NULL,
    "group_id" INTEGER NOT NULL,

    CONSTRAINT "auth_user_groups_pkey" PRIMARY KEY ("user_id","group_id")
);

-- CreateTable
CREATE TABLE "auth_user_permissions" (
    "user_id" INTEGER NOT NULL,
    "permission_id" INTEGER NOT NULL,

    CONSTRAINT "auth_user_permissions_pkey" PRIMARY KEY ("user_id","permission_id")
);

-- CreateTable
CREATE TABLE "auth_group_permissions" (
    "group_id" INTEGER NOT NULL,
    "permission_id" INTEGER NOT NULL,

    CONSTRAINT "auth_group_permissions_pkey" PRIMARY KEY ("group_id","permission_id")
);

-- CreateTable
CREATE TABLE "account_tokens" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "purpose" "account_token_purpose" NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "auth_groups_name_key" ON "auth_groups"("name");

-- CreateIndex
CREATE UNIQUE INDEX "auth_permissions_codename_key" ON "auth_permissions"("codename");

-- CreateIndex
CREATE INDEX "auth_user_groups_group_id_idx" ON "auth_user_groups"("group_id");

-- CreateIndex
CREATE INDEX "auth_user_permissions_permission_id_idx" ON "auth_user_permissions"("permission_id");

-- CreateIndex
CREATE INDEX "auth_group_permissions_permission_id_idx" ON "auth_group_permissions"("permission_id");

-- CreateIndex
CREATE UNIQUE INDEX "account_tokens_token_hash_key" ON "account_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "account_tokens_user_id_purpose_idx" ON "account_tokens"("user_id", "purpose");

-- CreateIndex
CREATE INDEX "account_tokens_expires_at_idx" ON "account_tokens"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- AddForeignKey
ALTER TABLE "auth_user_groups" ADD CONSTRAINT "auth_user_groups_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_user_groups" ADD CONSTRAINT "auth_user_groups_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "auth_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_user_permissions" ADD CONSTRAINT "auth_user_permissions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_user_permissions" ADD CONSTRAINT "auth_user_permissions_permission_id_fkey" FOREIGN KEY ("permission_id") REFERENCES "auth_permissions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_group_permissions" ADD CONSTRAINT "auth_group_permissions_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "auth_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_group_permissions" ADD CONSTRAINT "auth_group_permissions_permission_id_fkey" FOREIGN KEY ("permission_id") REFERENCES "auth_permissions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_tokens" ADD CONSTRAINT "account_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written data: the permissions of the models that exist or are being built now. Models
-- added later get theirs at boot (PermissionsService.syncPermissions, idempotent).
INSERT INTO "auth_permissions" ("codename", "name") VALUES
    ('user.view', 'Can view user'),
    ('user.add', 'Can add user'),
    ('user.change', 'Can change user'),
    ('user.delete', 'Can delete user'),
    ('group.view', 'Can view group'),
    ('group.add', 'Can add group'),
    ('group.change', 'Can change group'),
    ('group.delete', 'Can delete group'),
    ('permission.view', 'Can view permission'),
    ('permission.add', 'Can add permission'),
    ('permission.change', 'Can change permission'),
    ('permission.delete', 'Can delete permission'),
    ('apitoken.view', 'Can view API token'),
    ('apitoken.add', 'Can add API token'),
    ('apitoken.change', 'Can change API token'),
    ('apitoken.delete', 'Can delete API token'),
    ('accounttoken.view', 'Can view account token'),
    ('accounttoken.add', 'Can add account token'),
    ('accounttoken.change', 'Can change account token'),
    ('accounttoken.delete', 'Can delete account token'),
    ('event.view', 'Can view event'),
    ('event.add', 'Can add event'),
    ('event.change', 'Can change event'),
    ('event.delete', 'Can delete event'),
    ('rsvp.view', 'Can view RSVP'),
    ('rsvp.add', 'Can add RSVP'),
    ('rsvp.change', 'Can change RSVP'),
    ('rsvp.delete', 'Can delete RSVP'),
    ('task.view', 'Can view task'),
    ('task.add', 'Can add task'),
    ('task.change', 'Can change task'),
    ('task.delete', 'Can delete task'),
    ('outgoingemail.view', 'Can view outgoing e-mail'),
    ('outgoingemail.add', 'Can add outgoing e-mail'),
    ('outgoingemail.change', 'Can change outgoing e-mail'),
    ('outgoingemail.delete', 'Can delete outgoing e-mail'),
    ('queues.view', 'Can view and manage the queue dashboard')
ON CONFLICT ("codename") DO NOTHING;
