import { RegisterAdmin, type ModelAdmin } from '../admin/model-admin';

@RegisterAdmin()
export class PermissionAdmin implements ModelAdmin {
  readonly model = 'Permission';
  readonly module = 'Accounts';
  readonly reprField = 'codename';
  readonly listDisplay = ['codename', 'name'];
  readonly searchFields = ['codename', 'name'];
  readonly ordering = ['codename'];
  readonly fields = ['codename', 'name'];
}
