import { RegisterAdmin, type ModelAdmin } from '../admin/model-admin';

@RegisterAdmin()
export class GroupAdmin implements ModelAdmin {
  readonly model = 'Group';
  readonly module = 'Accounts';
  readonly reprField = 'name';
  readonly listDisplay = ['name', 'createdAt'];
  readonly searchFields = ['name'];
  readonly ordering = ['name'];
  // Members are managed from each user's page (the users table can hold millions).
  readonly fields = ['name', 'permissions'];
}
