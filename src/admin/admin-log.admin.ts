import type { ModelAdmin } from './model-admin';

export const adminLogAdmin: ModelAdmin = {
  model: 'AdminLog',
  module: 'Administration',
  label: 'Log entry',
  labelPlural: 'Log entries',
  reprField: 'objectRepr',
  listDisplay: ['createdAt', 'user', 'action', 'model', 'objectRepr'],
  searchFields: ['objectRepr', 'model', 'user.email'],
  listFilter: ['action', 'createdAt'],
  ordering: ['-createdAt'],
  // The log is evidence: read-only for everyone.
  disallow: ['add', 'change', 'delete'],
};
