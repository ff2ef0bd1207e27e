import type { AppConfig } from '../config/app-config';

/**
 * Whether the web process mounts the debug toolbar: DEBUG_TOOLBAR when set, otherwise on in
 * development only. Production never gets it, whatever DEBUG_TOOLBAR says: the toolbar shows SQL
 * parameters and the session user to anyone who loads a page.
 */
export function debugToolbarEnabled(config: AppConfig): boolean {
  if (config.isProduction) return false;
  return config.values.DEBUG_TOOLBAR ?? config.isDevelopment;
}
