import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import sharp from 'sharp';
import request from 'supertest';
import {
  browser,
  csrfFrom,
  expectStatus,
  logIn,
  signUpVerified,
  sql,
  uniqueEmail,
  type Agent,
} from '../accounts/support';
import { loggedIn } from '../admin/support';
import { startWebApp } from '../support/web-app';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

/** A photo-like JPEG carrying EXIF (camera, copyright, GPS-ish description) and an orientation. */
function jpegWithExif(width = 1600, height = 1200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .jpeg()
    .withMetadata({
      orientation: 6,
      exif: {
        IFD0: { Make: 'SecretCam', Copyright: 'Jane Private', ImageDescription: 'At 48.8566N 2.3522E' },
      },
    })
    .toBuffer();
}

const png = (width = 900, height = 900) =>
  sharp({ create: { width, height, channels: 4, background: { r: 20, g: 120, b: 220, alpha: 1 } } })
    .png()
    .toBuffer();

/** Noise does not compress: a PNG of about `width × height × 3` bytes. */
const noisyPng = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), {
    raw: { width, height, channels: 3 },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();

describe('event cover images: upload, validation by content, sizes, storage (real PostgreSQL, Redis, disk)', () => {
  let app: NestExpressApplication;
  let mediaRoot: string;
  let organizer: Agent;

  beforeAll(async () => {
    mediaRoot = await mkdtemp(join(tmpdir(), 'ep-media-'));
    // A small limit so the oversize test sends little.
    app = await startWebApp({ MEDIA_ROOT: mediaRoot, COVER_IMAGE_MAX_MB: '0.5' });
    organizer = browser(app);
    expectStatus(await logIn(organizer, await signUpVerified(organizer, uniqueEmail('covers'))), 303);
  });
  afterAll(async () => {
    await app.close();
    await rm(mediaRoot, { recursive: true, force: true });
  });

  /** Posts the event form as a browser does (multipart, fields in page order, the file last). */
  async function post(
    page: string,
    fields: Record<string, string>,
    file?: { bytes: Buffer; name: string; type: string; field?: string },
  ): Promise<request.Response> {
    const csrf = csrfFrom((await organizer.get(page).expect(200)).text);
    const req = organizer.post(page).field('_csrf', csrf);
    for (const [name, value] of Object.entries(fields)) req.field(name, value);
    if (file)
      req.attach(file.field ?? 'coverImage', file.bytes, { filename: file.name, contentType: file.type });
    return req;
  }

  const form = (title: string) => ({ title, startsAt: inDays(12), endsAt: inDays(12.1), capacity: '5' });
  const coverOf = async (id: number) =>
    (await sql<{ cover_image: string | null }>('SELECT cover_image FROM events WHERE id = $1', [id]))[0]
      .cover_image;
  const eventCount = async () => (await sql<{ n: string }>('SELECT count(*)::text AS n FROM events'))[0].n;

  it('takes a JPEG: both sizes as WebP, EXIF stripped and orientation applied, served under /media', async () => {
    const created = expectStatus(
      await post('/events/new', form('Photo walk'), {
        bytes: await jpegWithExif(),
        name: 'IMG_0001.JPG',
        type: 'image/jpeg',
      }),
      303,
    );
    const id = Number(created.headers.location.split('/').pop());
    const key = await coverOf(id);
    expect(key).toMatch(/^covers\/[0-9a-f-]{36}$/);
    expect((await readdir(join(mediaRoot, key!))).sort()).toEqual(['banner.webp', 'thumb.webp']);
    for (const [file, width, height] of [
      ['banner.webp', 1200, 600],
      ['thumb.webp', 480, 270],
    ] as const) {
      const bytes = await readFile(join(mediaRoot, key!, file));
      const metadata = await sharp(bytes).metadata();
      expect({ format: metadata.format, width: metadata.width, height: metadata.height }).toEqual({
        format: 'webp',
        width,
        height,
      });
      expect(metadata.exif).toBeUndefined();
      expect(metadata.orientation).toBeUndefined();
      expect(bytes.includes(Buffer.from('SecretCam'))).toBe(false);
      expect(bytes.includes(Buffer.from('Jane Private'))).toBe(false);
    }
    const page = (await request(app.getHttpServer()).get(`/events/${id}`).expect(200)).text;
    expect(page).toContain(`<img src="/media/${key}/banner.webp"`);
    const list = (await request(app.getHttpServer()).get('/events?q=photo').expect(200)).text;
    expect(list).toContain(`<img src="/media/${key}/thumb.webp"`);
    const served = await request(app.getHttpServer()).get(`/media/${key}/banner.webp`).expect(200);
    expect(served.headers['content-type']).toBe('image/webp');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    await request(app.getHttpServer()).get('/media/covers/../../etc/passwd').expect(404);
  });

  it('takes a PNG whatever its name says; refuses a renamed text file at the field, writing nothing', async () => {
    const created = await post('/events/new', form('Poster night'), {
      bytes: await png(),
      name: 'poster.txt',
      type: 'text/plain',
    });
    expectStatus(created, 303);
    expect(await coverOf(Number(created.headers.location.split('/').pop()))).toMatch(/^covers\//);

    const before = await eventCount();
    const filesBefore = await readdir(join(mediaRoot, 'covers'));
    const fake = await post('/events/new', form('Fake photo'), {
      bytes: Buffer.from('I am not a picture, just text pretending.\n'),
      name: 'holiday.jpg',
      type: 'image/jpeg',
    });
    expectStatus(fake, 400);
    expect(fake.text).toMatch(
      /<small id="coverImage-error" class="field-error">Choose a JPEG, PNG or WebP image \(this file is not one\)\./,
    );
    // The other fields are kept for the next try.
    expect(fake.text).toContain('value="Fake photo"');
    const svg = await post('/events/new', form('Vector'), {
      bytes: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
      ),
      name: 'logo.png',
      type: 'image/png',
    });
    expectStatus(svg, 400);
    expect(svg.text).toContain('id="coverImage-error"');
    expect(await eventCount()).toBe(before);
    expect(await readdir(join(mediaRoot, 'covers'))).toEqual(filesBefore);
  });

  it('refuses a file over the limit with a message at the field, not a 413 page', async () => {
    const big = await noisyPng(500, 500); // ~750 KB, over 0.5 MB
    expect(big.length).toBeGreaterThan(0.5 * 1024 * 1024);
    const before = await eventCount();
    const response = await post('/events/new', form('Huge poster'), {
      bytes: big,
      name: 'big.png',
      type: 'image/png',
    });
    expectStatus(response, 400);
    expect(response.text).toMatch(/id="coverImage-error" class="field-error">The file is larger than 0.5 MB/);
    expect(response.text).toContain('value="Huge poster"');
    expect(await eventCount()).toBe(before);
  });

  it('replaces the cover (the old files are deleted) and removes it', async () => {
    const created = await post('/events/new', form('Changing cover'), {
      bytes: await png(),
      name: 'a.png',
      type: 'image/png',
    });
    const id = Number(expectStatus(created, 303).headers.location.split('/').pop());
    const first = (await coverOf(id))!;
    const edit = (await organizer.get(`/events/${id}/edit`).expect(200)).text;
    expect(edit).toContain(`<img src="/media/${first}/thumb.webp" alt="The current cover image"`);
    expect(edit).toContain('name="removeCoverImage"');

    // Editing other fields keeps it.
    expectStatus(await post(`/events/${id}/edit`, { ...form('Changing cover, renamed') }), 303);
    expect(await coverOf(id)).toBe(first);

    expectStatus(
      await post(`/events/${id}/edit`, form('Changing cover'), {
        bytes: await jpegWithExif(800, 800),
        name: 'b.jpg',
        type: 'image/jpeg',
      }),
      303,
    );
    const second = (await coverOf(id))!;
    expect(second).not.toBe(first);
    expect(existsSync(join(mediaRoot, first))).toBe(false);
    expect(existsSync(join(mediaRoot, second, 'banner.webp'))).toBe(true);
    // The page shows the new one at once (its cached copy was dropped).
    expect((await request(app.getHttpServer()).get(`/events/${id}`).expect(200)).text).toContain(second);

    expectStatus(await post(`/events/${id}/edit`, { ...form('Changing cover'), removeCoverImage: '1' }), 303);
    expect(await coverOf(id)).toBeNull();
    expect(existsSync(join(mediaRoot, second))).toBe(false);
  });

  it('deletes the files of an event staff delete in the admin, once the delete has committed', async () => {
    const created = await post('/events/new', form('Deleted in the admin'), {
      bytes: await png(),
      name: 'gone.png',
      type: 'image/png',
    });
    const id = Number(expectStatus(created, 303).headers.location.split('/').pop());
    const key = (await coverOf(id))!;
    expect(existsSync(join(mediaRoot, key, 'banner.webp'))).toBe(true);

    const { agent: staff } = await loggedIn(app, { staff: true, superuser: true });
    const confirmation = expectStatus(await staff.get(`/admin/event/${id}/delete`), 200).text;
    expectStatus(
      await staff
        .post(`/admin/event/${id}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(confirmation) }),
      303,
    );
    expect(await sql('SELECT id FROM events WHERE id = $1', [id])).toEqual([]);
    expect(existsSync(join(mediaRoot, key))).toBe(false);
  });

  it('keeps the edge rules for multipart forms: CSRF token, NUL characters, unexpected files', async () => {
    const noToken = await organizer
      .post('/events/new')
      .field('title', 'No token')
      .attach('coverImage', await png(100, 100), 'x.png');
    expect(noToken.status).toBe(403);
    const nul = await post('/events/new', { ...form('Nul'), location: 'a\u0000b' });
    expectStatus(nul, 400);
    expect(nul.text).toContain('location');
    const elsewhere = await post('/events/new', form('Wrong field'), {
      bytes: await png(100, 100),
      name: 'x.png',
      type: 'image/png',
      field: 'avatar',
    });
    expectStatus(elsewhere, 400);
    expect(elsewhere.text).toContain('avatar');
  });
});
