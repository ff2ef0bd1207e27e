import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { message } from '../i18n/translator';
import { InjectMediaStorage, type MediaStorage } from '../media/media-storage';

/** The sizes the pages use: the event page's banner and the list's thumbnail (2:1 and 16:9 crops). */
export const COVER_SIZES = {
  banner: { width: 1200, height: 600 },
  thumb: { width: 480, height: 270 },
} as const;
export type CoverSize = keyof typeof COVER_SIZES;

/** Formats read by content (sharp looks at the bytes; the file's name and declared type are ignored). */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp']);
/** Above this many pixels an image is refused before it is decoded (decompression bombs). */
const MAX_INPUT_PIXELS = 50_000_000;

export const COVER_FORMAT_MESSAGE = 'organizing.validation.coverFormat';

/** A cover the form refuses; its message is a catalogue key, said next to the field. */
export class CoverImageError extends Error {}

/** A processed cover: one WebP per size, ready to store. */
export type CoverRenditions = Record<CoverSize, Buffer>;

/**
 * Event cover images: validated by content, cropped and resized to the sizes the pages show,
 * re-encoded as WebP (no EXIF, GPS, ICC or comments survive: sharp writes none unless asked), and
 * kept through MediaStorage under a fresh key per upload (so browsers may cache them for ever).
 */
@Injectable()
export class CoverImages {
  constructor(@InjectMediaStorage() private readonly storage: MediaStorage) {}

  /** Decodes and resizes an upload; throws CoverImageError (a field message) for anything else. */
  async process(bytes: Buffer): Promise<CoverRenditions> {
    let format: string | undefined;
    try {
      const metadata = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
      format = metadata.format;
      if ((metadata.width ?? 0) * (metadata.height ?? 0) > MAX_INPUT_PIXELS) {
        throw new CoverImageError(message('organizing.validation.coverTooManyPixels', { max: 50 }));
      }
    } catch (error) {
      if (error instanceof CoverImageError) throw error;
      throw new CoverImageError(COVER_FORMAT_MESSAGE);
    }
    if (!format || !ACCEPTED_FORMATS.has(format)) throw new CoverImageError(COVER_FORMAT_MESSAGE);
    const renditions = {} as CoverRenditions;
    try {
      for (const [size, box] of Object.entries(COVER_SIZES) as [
        CoverSize,
        { width: number; height: number },
      ][]) {
        renditions[size] = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
          // Turned upright by its EXIF orientation first (the orientation tag is then dropped too).
          .rotate()
          .resize({ ...box, fit: 'cover', position: 'attention' })
          .webp({ quality: 80 })
          .toBuffer();
      }
    } catch {
      throw new CoverImageError('organizing.validation.coverUnreadable');
    }
    return renditions;
  }

  /** Stores the renditions under a new key; returns it (what the event row keeps). */
  async store(renditions: CoverRenditions): Promise<string> {
    const key = `covers/${randomUUID()}`;
    try {
      for (const [size, bytes] of Object.entries(renditions)) {
        await this.storage.put(`${key}/${size}.webp`, bytes, 'image/webp');
      }
    } catch (error) {
      await this.remove(key);
      throw error;
    }
    return key;
  }

  /** Deletes a cover's files (nothing to do for null). Never throws: an orphan file is harmless. */
  async remove(key: string | null | undefined): Promise<void> {
    if (!key) return;
    await this.storage.delete(key).catch(() => undefined);
  }

  /** The addresses of a cover's sizes, or null without one. */
  urls(key: string | null | undefined): Record<CoverSize, string> | null {
    if (!key) return null;
    return { banner: this.storage.url(`${key}/banner.webp`), thumb: this.storage.url(`${key}/thumb.webp`) };
  }
}
