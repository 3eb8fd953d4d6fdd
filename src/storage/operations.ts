/** What a storage rule grants. */
export const OPERATIONS = ['read', 'list', 'create', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];
