import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { scratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { describeDrift, findSchemaDrift } from '../support/schema-drift';
import { TEST_ENV } from '../support/test-env';

describe('schema drift', () => {
  it('the database the migrations built matches prisma/schema.prisma', async () => {
    const schema = await fs.readFile(join(PROJECT_ROOT, 'prisma', 'schema.prisma'), 'utf8');

    // Global setup dropped, re-created and migrated the test database from prisma/migrations.
    const differences = await findSchemaDrift(schema, TEST_ENV.DATABASE_URL);

    if (differences.length) throw new Error(describeDrift(differences));
  });

  /**
   * The checker itself, on a small schema that uses every feature it compares, with its migration
   * written as `prisma migrate dev` would generate it plus extras Prisma cannot express.
   */
  describe('checker', () => {
    let db: ScratchDatabase;

    beforeAll(async () => {
      db = await scratchDatabase('drift');
      await db.withClient((client) => client.query(SCRATCH_MIGRATION));
    });
    afterAll(() => db?.drop());

    it('finds no drift when the migration matches the schema (extra CHECKs, triggers, functional, partial and GIN indexes allowed)', async () => {
      expect(await findSchemaDrift(SCRATCH_SCHEMA, db.url)).toEqual([]);
    });

    it('reports every deliberate difference, in one list', async () => {
      await db.withClient((client) =>
        client.query(`
          ALTER TABLE "authors" ALTER COLUMN "name" TYPE VARCHAR(100);
          ALTER TABLE "authors" ALTER COLUMN "email" DROP NOT NULL;
          ALTER TABLE "authors" ADD COLUMN "nickname" TEXT;
          ALTER INDEX "authors_email_key" RENAME TO "authors_email_unique";
          ALTER TABLE "books" DROP COLUMN "pages";
          ALTER TABLE "books" ALTER COLUMN "status" SET DEFAULT 'archived';
          DROP INDEX "books_published_at_idx";
          CREATE INDEX "books_title_idx" ON "books"("title");
          ALTER TABLE "books" DROP CONSTRAINT "books_author_id_fkey";
          ALTER TABLE "books" ADD CONSTRAINT "books_author_id_fkey" FOREIGN KEY ("author_id")
            REFERENCES "authors"("id") ON DELETE CASCADE ON UPDATE CASCADE;
          ALTER TABLE "_BookToTag" DROP CONSTRAINT "_BookToTag_B_fkey";
          ALTER TYPE "book_status" ADD VALUE 'lost';
          CREATE TABLE "leftovers" ("id" INTEGER);
        `),
      );

      const differences = await findSchemaDrift(SCRATCH_SCHEMA, db.url);

      expect([...differences].sort()).toEqual(
        [
          'authors.name: type is character varying(100), schema.prisma says character varying(200)',
          'authors.email: nullable in the database, NOT NULL in schema.prisma',
          'authors.nickname: column in the database but not in schema.prisma',
          'authors: unique index authors_email_key (email) missing from the database (it exists as authors_email_unique; Prisma names it authors_email_key)',
          'books.pages: column missing from the database',
          'books.status: default is \'archived\'::book_status, schema.prisma says "live"',
          'books: index books_published_at_idx (published_at DESC) missing from the database',
          'books: index books_title_idx (title) in the database but not in schema.prisma',
          'books: foreign key books_author_id_fkey is (author_id) → authors(id) ON DELETE Cascade ON UPDATE Cascade, schema.prisma says (author_id) → authors(id) ON DELETE Restrict ON UPDATE Cascade',
          '_BookToTag: foreign key _BookToTag_B_fkey (B) → Tag(id) ON DELETE Cascade ON UPDATE Cascade missing from the database',
          'enum book_status: values are (draft, live, archived, lost), schema.prisma says (draft, live, archived)',
          'table leftovers: in the database but not in schema.prisma',
        ].sort(),
      );
      // One readable message with all of them.
      const message = describeDrift(differences);
      expect(message).toMatch(/differs from prisma\/schema.prisma in 12 place\(s\)/);
      expect(message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(12);
    });
  });
});

const SCRATCH_SCHEMA = `
datasource db {
  provider = "postgresql"
}

enum BookStatus {
  draft
  published @map("live")
  archived

  @@map("book_status")
}

model Author {
  id        Int      @id @default(autoincrement())
  email     String   @unique @db.VarChar(254)
  name      String   @db.VarChar(200)
  bio       String?
  rating    Float    @default(2.5)
  balance   Decimal  @default(0.00) @db.Decimal(10, 2)
  karma     BigInt   @default(-1)
  nicknames String[] @default(["anon", "it's me"])
  settings  Json     @default("{\\"theme\\": \\"light\\"}")
  token     String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)
  updatedAt DateTime @updatedAt @map("updated_at")
  mentorId  Int?     @map("mentor_id")

  mentor  Author?  @relation("Mentoring", fields: [mentorId], references: [id])
  mentees Author[] @relation("Mentoring")
  books   Book[]

  @@map("authors")
}

model Book {
  id          String     @id @default(uuid()) @db.Uuid
  authorId    Int        @map("author_id")
  title       String
  pages       Int        @default(0)
  status      BookStatus @default(published)
  publishedAt DateTime?  @map("published_at") @db.Timestamptz(3)
  words       String[]

  author  Author   @relation(fields: [authorId], references: [id])
  tags    Tag[]
  reviews Review[]

  @@unique([authorId, title], map: "books_author_title_unique")
  @@index([publishedAt(sort: Desc)])
  @@index([words], type: Gin)
  @@map("books")
}

model Tag {
  id    Int    @id @default(autoincrement())
  label String @unique
  books Book[]
}

model Review {
  bookId   String @map("book_id") @db.Uuid
  authorId Int    @map("author_id")
  stars    Int    @db.SmallInt

  book Book @relation(fields: [bookId], references: [id], onDelete: Cascade, onUpdate: NoAction)

  @@id([bookId, authorId])
}
`;

const SCRATCH_MIGRATION = `
-- CreateEnum
CREATE TYPE "book_status" AS ENUM ('draft', 'live', 'archived');

-- CreateTable
CREATE TABLE "authors" (
    "id" SERIAL NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "bio" TEXT,
    "rating" DOUBLE PRECISION NOT NULL DEFAULT 2.5,
    "balance" DECIMAL(10,2) NOT NULL DEFAULT 0.00,
    "karma" BIGINT NOT NULL DEFAULT -1,
    "nicknames" TEXT[] DEFAULT ARRAY['anon', 'it''s me']::TEXT[],
    "settings" JSONB NOT NULL DEFAULT '{"theme": "light"}',
    "token" UUID NOT NULL DEFAULT gen_random_uuid(),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "mentor_id" INTEGER,

    CONSTRAINT "authors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "books" (
    "id" UUID NOT NULL,
    "author_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "status" "book_status" NOT NULL DEFAULT 'live',
    "published_at" TIMESTAMPTZ(3),
    "words" TEXT[],

    CONSTRAINT "books_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tag" (
    "id" SERIAL NOT NULL,
    "label" TEXT NOT NULL,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Review" (
    "book_id" UUID NOT NULL,
    "author_id" INTEGER NOT NULL,
    "stars" SMALLINT NOT NULL,

    CONSTRAINT "Review_pkey" PRIMARY KEY ("book_id","author_id")
);

-- CreateTable
CREATE TABLE "_BookToTag" (
    "A" UUID NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_BookToTag_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE UNIQUE INDEX "authors_email_key" ON "authors"("email");

-- CreateIndex
CREATE INDEX "books_published_at_idx" ON "books"("published_at" DESC);

-- CreateIndex
CREATE INDEX "books_words_idx" ON "books" USING GIN ("words");

-- CreateIndex
CREATE UNIQUE INDEX "books_author_title_unique" ON "books"("author_id", "title");

-- CreateIndex
CREATE UNIQUE INDEX "Tag_label_key" ON "Tag"("label");

-- CreateIndex
CREATE INDEX "_BookToTag_B_index" ON "_BookToTag"("B");

-- AddForeignKey
ALTER TABLE "authors" ADD CONSTRAINT "authors_mentor_id_fkey" FOREIGN KEY ("mentor_id") REFERENCES "authors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "books" ADD CONSTRAINT "books_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_book_id_fkey" FOREIGN KEY ("book_id") REFERENCES "books"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "_BookToTag" ADD CONSTRAINT "_BookToTag_A_fkey" FOREIGN KEY ("A") REFERENCES "books"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_BookToTag" ADD CONSTRAINT "_BookToTag_B_fkey" FOREIGN KEY ("B") REFERENCES "Tag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written extras Prisma cannot express: allowed.
ALTER TABLE "Review" ADD CONSTRAINT "Review_stars_range" CHECK ("stars" BETWEEN 1 AND 5);
CREATE INDEX "authors_lower_name_idx" ON "authors" (lower("name"));
CREATE INDEX "books_drafts_idx" ON "books" ("author_id") WHERE "status" = 'draft';
CREATE FUNCTION "touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "authors_touch" BEFORE UPDATE ON "authors"
  FOR EACH ROW EXECUTE FUNCTION "touch_updated_at"();
`;
