import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Inject } from '@nestjs/common';

/**
 * Where uploaded files live, behind a small seam: the local disk by default (a folder, a volume
 * under Docker), swappable for an object store by providing another MediaStorage. Keys are
 * slash-separated paths the app makes itself ("covers/<uuid>/banner.webp"), never user input.
 */
export interface MediaStorage {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** Deletes the file, or every file under `key/`; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** The address browsers load it from. */
  url(key: string): string;
}

export const MEDIA_STORAGE = Symbol('MEDIA_STORAGE');
export const InjectMediaStorage = () => Inject(MEDIA_STORAGE);

const KEY = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9.-]*)*$/;

/** Files under `root`, served under `baseUrl` (by the app in development, by the proxy in production). */
export class LocalDiskMediaStorage implements MediaStorage {
  private readonly root: string;

  constructor(
    root: string,
    private readonly baseUrl = '/media/',
  ) {
    this.root = resolve(root);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written under a temporary name and renamed would be atomic; a key is written once, and only
    // referenced from the database after put() resolved, so a half-written file is never served.
    await writeFile(path, data);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { recursive: true, force: true });
  }

  url(key: string): string {
    this.pathOf(key);
    return `${this.baseUrl}${key}`;
  }

  /** The file's path, refusing anything that could leave the root (keys are ours, but still). */
  private pathOf(key: string): string {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`Invalid media key: ${key}`);
    const path = join(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw new Error(`Invalid media key: ${key}`);
    return path;
  }
}
