import type { ModelAdmin } from '../model-admin';
import { adminLogAdmin } from '../admin-log.admin';
import { apiTokenAdmin } from '../../accounts/api-token.admin';
import { eventAdmin } from '../../events/event.admin';
import { groupAdmin } from '../../accounts/group.admin';
import { outgoingEmailAdmin } from '../../mail/outgoing-email.admin';
import { permissionAdmin } from '../../accounts/permission.admin';
import { rsvpAdmin } from '../../events/rsvp.admin';
import { taskAdmin } from '../../jobs/tasks/task.admin';
import { userAdmin } from '../../accounts/user.admin';

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
