import type { ModelAdmin } from '../admin/model-admin';

export const permissionAdmin: ModelAdmin = {
  model: 'Permission',
  module: 'Accounts',
  reprField: 'codename',
  listDisplay: ['codename', 'name'],
  searchFields: ['codename', 'name'],
  ordering: ['codename'],
  fields: ['codename', 'name'],
};
