import 'dotenv/config';
import { defineConfig } from 'prisma/config';

// The Prisma CLI reads its connection from here (Prisma 7). The app itself does not use this file:
// it connects through @prisma/adapter-pg with the validated DATABASE_URL (src/config).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@localhost:5432/event_planner',
  },
});
