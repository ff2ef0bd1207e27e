import { loadConfig } from '../../src/config/app-config';
import { PrismaService } from '../../src/prisma/prisma.service';

describe('PrismaService.prepared (named prepared statements on the pool)', () => {
  const prisma = new PrismaService(loadConfig(process.env));
  const probe = { name: 'prepared_probe_labels', text: 'SELECT id, label FROM prepared_probe ORDER BY id' };

  beforeAll(async () => {
    await prisma.$executeRawUnsafe('DROP TABLE IF EXISTS prepared_probe');
    await prisma.$executeRawUnsafe('CREATE TABLE prepared_probe (id int PRIMARY KEY, label int NOT NULL)');
    await prisma.$executeRawUnsafe('INSERT INTO prepared_probe VALUES (1, 10), (2, 20)');
  });
  afterAll(async () => {
    await prisma.$executeRawUnsafe('DROP TABLE IF EXISTS prepared_probe');
    await prisma.$disconnect();
  });

  it('returns rows, and survives a migration changing a returned column under it', async () => {
    expect(await prisma.prepared(probe, [])).toEqual([
      { id: 1, label: 10 },
      { id: 2, label: 20 },
    ]);
    // As a rolling deploy's migration would, while this process keeps its prepared plan.
    await prisma.$executeRawUnsafe('ALTER TABLE prepared_probe ALTER COLUMN label TYPE text');
    expect(await prisma.prepared(probe, [])).toEqual([
      { id: 1, label: '10' },
      { id: 2, label: '20' },
    ]);
  });
});
