/** What the configuration needs of the native dialect: it has no settings of its own. */
export const hbpSettings = {
  id: 'hbp',
  summary: '`hbp` (/auth, /storage)',
  configFields: {},
  readConfig: () => ({}),
} as const;
