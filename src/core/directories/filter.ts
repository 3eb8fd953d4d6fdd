import { Filter } from 'ldapts';

/** Replaces `{name}` by the RFC 4515-escaped value, so a login cannot change the filter's structure. */
export const fillFilter = (template: string, name: string, value: string) =>
  template.split(`{${name}}`).join(Filter.escape(value));
