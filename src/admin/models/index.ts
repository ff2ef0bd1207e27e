import type { ModelAdmin } from '../model-admin';
import { adminLogAdmin } from './admin-log.admin';
import { apiTokenAdmin } from './api-token.admin';
import { eventAdmin } from './event.admin';
import { groupAdmin } from './group.admin';
import { outgoingEmailAdmin } from './outgoing-email.admin';
import { permissionAdmin } from './permission.admin';
import { rsvpAdmin } from './rsvp.admin';
import { taskAdmin } from './task.admin';
import { userAdmin } from './user.admin';

/** Every model in the admin: one registration file each. Unlisted models do not appear. */
export const MODEL_ADMINS: ModelAdmin[] = [
  userAdmin,
  groupAdmin,
  permissionAdmin,
  apiTokenAdmin,
  eventAdmin,
  rsvpAdmin,
  taskAdmin,
  outgoingEmailAdmin,
  adminLogAdmin,
];
