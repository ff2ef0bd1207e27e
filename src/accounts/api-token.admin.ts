import type { ModelAdmin } from '../admin/model-admin';

export const apiTokenAdmin: ModelAdmin = {
  model: 'ApiToken',
  module: 'Accounts',
  label: 'API token',
  reprField: 'name',
  listDisplay: ['id', 'name', 'prefix', 'user', 'lastUsedAt', 'revokedAt', 'createdAt'],
  searchFields: ['name', 'prefix', 'user.email'],
  listFilter: ['revokedAt', 'createdAt'],
  // Tokens are created by their owner (shown once); the admin may only revoke them.
  fields: ['userId', 'name', 'prefix', 'lastUsedAt', 'revokedAt', 'createdAt'],
  readonlyFields: ['userId', 'name', 'prefix', 'lastUsedAt', 'createdAt'],
  actions: [
    {
      name: 'revoke',
      label: 'Revoke selected tokens',
      permission: 'change',
      data: { revokedAt: () => new Date() },
      where: { revokedAt: null },
    },
  ],
};
