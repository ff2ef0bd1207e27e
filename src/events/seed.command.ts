import { Logger } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { PasswordService } from '../accounts/passwords';
import { PrismaService } from '../prisma/prisma.service';

interface SeedOptions {
  events?: number;
}

export const DEMO_PASSWORD = 'event planner demo';
const DEMO_USERS = [
  { email: 'ada@example.com', displayName: 'Ada Organizer' },
  { email: 'grace@example.com', displayName: 'Grace Attendee' },
  { email: 'linus@example.com', displayName: 'Linus Attendee' },
  { email: 'margaret@example.com', displayName: 'Margaret Attendee' },
];
interface DemoEvent {
  title: string;
  location: string;
  days: number;
  /** Null: no limit. */
  capacity: number | null;
  timeZone?: string;
  draft?: boolean;
}
const DEMO_EVENTS: DemoEvent[] = [
  { title: 'Board games night', location: 'The Library, room 2', days: 3, capacity: 12 },
  { title: 'Intro to pottery', location: 'Clay Studio, 14 Mill Lane', days: 6, capacity: 2 },
  { title: 'Sunday trail run (10 km)', location: 'North park entrance', days: 9, capacity: null },
  {
    title: 'TypeScript meetup: strict mode in practice',
    location: 'Tech Hub, floor 3, New York',
    days: 14,
    capacity: 80,
    timeZone: 'America/New_York',
  },
  { title: 'Community garden clean-up', location: 'Elm Street garden', days: 21, capacity: 25 },
  { title: 'Autumn fair (planning)', location: 'Market square', days: 40, capacity: 200, draft: true },
];
const BATCH = 100_000;

/**
 * `seed`: a small readable demo (four users who can log in, five events with RSVPs and a waitlist).
 * `seed --events N`: N more events for benchmarks, generated inside PostgreSQL with generate_series
 * in batches (no rows travel through Node), with a thousand organizers.
 */
@Command({ name: 'seed', description: 'Create demo data; --events N adds N generated events (benchmarks)' })
export class SeedCommand extends CommandRunner {
  private readonly logger = new Logger(SeedCommand.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly passwords: PasswordService,
  ) {
    super();
  }

  @Option({ flags: '--events <count>', description: 'Generate this many events (e.g. 1000000)' })
  parseEvents(value: string): number {
    const count = Number(value);
    if (!Number.isInteger(count) || count < 1 || count > 50_000_000) {
      throw new Error('--events must be a whole number from 1 to 50000000');
    }
    return count;
  }

  async run(_args: string[], options: SeedOptions): Promise<void> {
    if (options.events) await this.generate(options.events);
    else await this.demo();
  }

  private async demo(): Promise<void> {
    const passwordHash = await this.passwords.hash(DEMO_PASSWORD);
    const users = [];
    for (const user of DEMO_USERS) {
      users.push(
        await this.prisma.user.upsert({
          where: { email: user.email },
          update: {},
          create: { ...user, passwordHash, emailVerifiedAt: new Date() },
        }),
      );
    }
    const [organizer, ...attendees] = users;
    if (await this.prisma.event.count({ where: { organizerId: organizer.id } })) {
      console.log('Demo data is already there (log in as ada@example.com).');
      return;
    }
    for (const demo of DEMO_EVENTS) {
      const startsAt = new Date(Date.now() + demo.days * 86_400_000);
      startsAt.setUTCHours(18, 0, 0, 0);
      // A draft takes no RSVPs; without a capacity everyone goes.
      const answering = demo.draft ? [] : attendees;
      const going = answering.slice(0, demo.capacity ?? undefined);
      const waiting = answering.slice(demo.capacity ?? answering.length);
      await this.prisma.event.create({
        data: {
          organizerId: organizer.id,
          title: demo.title,
          description: `${demo.title}: everyone is welcome.\nBring a friend, or come and make new ones.`,
          location: demo.location,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 2 * 3600_000),
          capacity: demo.capacity,
          timeZone: demo.timeZone,
          status: demo.draft ? 'draft' : 'published',
          goingCount: going.length,
          rsvps: {
            create: [
              ...going.map((user) => ({ userId: user.id, status: 'going' as const })),
              ...waiting.map((user) => ({ userId: user.id, status: 'waitlisted' as const })),
            ],
          },
        },
      });
    }
    console.log(
      `Demo data created: ${DEMO_USERS.length} users (password "${DEMO_PASSWORD}"), ${DEMO_EVENTS.length} events. ` +
        `Log in as ${organizer.email}.`,
    );
  }

  private async generate(count: number): Promise<void> {
    const started = Date.now();
    await this.prisma.$executeRaw`
      INSERT INTO users (email, display_name, email_verified_at, updated_at)
      SELECT 'organizer' || n || '@seed.example.com', 'Organizer ' || n, now(), now()
      FROM generate_series(1, 1000) AS n
      ON CONFLICT (email) DO NOTHING`;
    const [{ min, max }] = await this.prisma.$queryRaw<{ min: number; max: number }[]>`
      SELECT min(id) AS min, max(id) AS max FROM users WHERE email LIKE '%@seed.example.com'`;
    // One transaction: the secondary indexes are dropped, the rows inserted, and the indexes rebuilt
    // from their exact definitions (building an index once is far faster than maintaining it per
    // row); a failure leaves the database as it was.
    await this.prisma.$transaction(
      async (tx) => {
        const indexes = await tx.$queryRaw<{ name: string; definition: string }[]>`
          SELECT indexname AS name, indexdef AS definition FROM pg_indexes
          WHERE schemaname = current_schema() AND tablename = 'events' AND indexname <> 'events_pkey'`;
        for (const index of indexes) await tx.$executeRawUnsafe(`DROP INDEX "${index.name}"`);
        for (let done = 0; done < count; done += BATCH) {
          const size = Math.min(BATCH, count - done);
          // Words picked by the row number give varied, searchable titles; start times spread over two years.
          await tx.$executeRaw`
            INSERT INTO events (organizer_id, title, description, location, starts_at, ends_at, capacity, updated_at)
            SELECT ${min}::int + (n % (${max}::int - ${min}::int + 1)),
                   (ARRAY['Board games','Pottery','Trail run','TypeScript','Garden','Jazz','Chess','Yoga','Film','Book club'])[1 + n % 10]
                     || ' ' || (ARRAY['night','workshop','meetup','session','social','class','evening'])[1 + (n / 10) % 7]
                     || ' #' || n,
                   'Generated event ' || n || '. ' ||
                     (ARRAY['Beginners welcome.','Bring a friend.','Snacks provided.','Outdoors, dress for the weather.'])[1 + n % 4],
                   (ARRAY['Library','Town hall','Park','Tech hub','Community centre','Cafe'])[1 + n % 6] || ', room ' || (n % 20),
                   now() + ((n % 1051200) * interval '1 minute') + interval '1 hour',
                   now() + ((n % 1051200) * interval '1 minute') + interval '3 hours',
                   10 + (n % 491),
                   now()
            FROM generate_series(${done + 1}::int, ${done + size}::int) AS n`;
          this.logger.log(`${done + size} / ${count} events`);
        }
        await tx.$executeRawUnsafe(`SET LOCAL maintenance_work_mem = '256MB'`);
        for (const index of indexes) await tx.$executeRawUnsafe(index.definition);
      },
      { maxWait: 10_000, timeout: 60 * 60_000 },
    );
    await this.prisma.$executeRawUnsafe('ANALYZE events');
    console.log(`Generated ${count} events in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
}
