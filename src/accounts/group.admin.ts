import type { ModelAdmin } from '../admin/model-admin';

export const groupAdmin: ModelAdmin = {
  model: 'Group',
  module: 'Accounts',
  reprField: 'name',
  listDisplay: ['name', 'createdAt'],
  searchFields: ['name'],
  ordering: ['name'],
  // Members are managed from each user's page (the users table can hold millions).
  fields: ['name', 'permissions'],
};
