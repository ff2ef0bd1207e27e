import { RegisterAdmin, type AdminAction, type ModelAdmin } from '../admin/model-admin';

@RegisterAdmin()
export class ApiTokenAdmin implements ModelAdmin {
  readonly model = 'ApiToken';
  readonly module = 'Accounts';
  readonly label = 'API token';
  readonly reprField = 'name';
  readonly listDisplay = ['id', 'name', 'prefix', 'user', 'lastUsedAt', 'revokedAt', 'createdAt'];
  readonly searchFields = ['name', 'prefix', 'user.email'];
  readonly listFilter = ['revokedAt', 'createdAt'];
  // Tokens are created by their owner (shown once); the admin may only revoke them.
  readonly fields = ['userId', 'name', 'prefix', 'lastUsedAt', 'revokedAt', 'createdAt'];
  readonly readonlyFields = ['userId', 'name', 'prefix', 'lastUsedAt', 'createdAt'];
  readonly actions: AdminAction[] = [
    {
      name: 'revoke',
      label: 'Revoke selected tokens',
      permission: 'change',
      data: { revokedAt: () => new Date() },
      where: { revokedAt: null },
    },
  ];
}
