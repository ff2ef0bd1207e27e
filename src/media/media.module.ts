import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LocalDiskMediaStorage, MEDIA_STORAGE } from './media-storage';

/** The app's media storage (see media-storage.ts): imported by each feature that stores uploads. */
@Module({
  providers: [
    {
      provide: MEDIA_STORAGE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new LocalDiskMediaStorage(config.values.MEDIA_ROOT),
    },
  ],
  exports: [MEDIA_STORAGE],
})
export class MediaModule {}

/** Whether the web app serves MEDIA_ROOT itself (else the proxy does: docker/Caddyfile). */
export function appServesMedia(config: AppConfig): boolean {
  return config.values.MEDIA_SERVE ?? !config.isProduction;
}
