import type { ModelAdmin } from '../model-admin';

export const userAdmin: ModelAdmin = {
  model: 'User',
  module: 'Accounts',
  reprField: 'email',
  listDisplay: [
    'id',
    'email',
    'displayName',
    'isActive',
    'isStaff',
    'isSuperuser',
    'emailVerifiedAt',
    'lastLoginAt',
  ],
  searchFields: ['email', 'displayName'],
  listFilter: ['isActive', 'isStaff', 'isSuperuser', 'emailVerifiedAt', 'createdAt'],
  ordering: ['-id'],
  fields: [
    'email',
    'displayName',
    'isActive',
    'isStaff',
    'isSuperuser',
    'emailVerifiedAt',
    'groups',
    'userPermissions',
    'lastLoginAt',
    'createdAt',
  ],
  readonlyFields: ['lastLoginAt', 'createdAt'],
  secretFields: ['passwordHash'],
  // Granting permissions is for superusers: otherwise `user.change` would be a way to become one.
  superuserOnlyFields: ['isSuperuser', 'groups', 'userPermissions'],
  // Nor may other staff edit, re-password or delete a superuser's account (a takeover path).
  objectPermission: (row, user) => user.isSuperuser || row.isSuperuser !== true,
  fieldOverrides: {
    email: { label: 'E-mail address', help: 'Stored lower-cased; unique.' },
    isActive: { label: 'Active', help: 'Unticking this blocks log-in without deleting the account.' },
    isStaff: { label: 'Staff status', help: 'May log in to this admin site.' },
    isSuperuser: { label: 'Superuser status', help: 'Has every permission without assigning them.' },
    emailVerifiedAt: { label: 'E-mail verified at' },
    userPermissions: { label: 'User permissions' },
  },
  // The column has a CHECK (lower-case); Django's admin normalises the same way.
  prepare: (data) =>
    typeof data.email === 'string' ? { ...data, email: data.email.trim().toLowerCase() } : data,
  actions: [
    { name: 'activate', label: 'Activate selected users', permission: 'change', data: { isActive: true } },
    {
      name: 'deactivate',
      label: 'Deactivate selected users',
      permission: 'change',
      data: { isActive: false },
    },
    {
      name: 'mark_verified',
      label: 'Mark e-mail addresses verified',
      permission: 'change',
      data: { emailVerifiedAt: () => new Date() },
      where: { emailVerifiedAt: null },
    },
  ],
  objectLinks: (_row, url) => [{ label: 'Set password', href: `${url}/password`, permission: 'change' }],
};
