import { RegisterAdmin, type ModelAdmin } from './model-admin';

@RegisterAdmin()
export class AdminLogAdmin implements ModelAdmin {
  readonly model = 'AdminLog';
  readonly module = 'Administration';
  readonly label = 'Log entry';
  readonly labelPlural = 'Log entries';
  readonly reprField = 'objectRepr';
  readonly listDisplay = ['createdAt', 'user', 'action', 'model', 'objectRepr'];
  readonly searchFields = ['objectRepr', 'model', 'user.email'];
  readonly listFilter = ['action', 'createdAt'];
  readonly ordering = ['-createdAt'];
  // The log is evidence: read-only for everyone.
  readonly disallow = ['add', 'change', 'delete'] as const;
}
