/** The doors (session kinds) of the identity provider, as the session registry lists them. */
export const OIDC_DOOR = 'oidc';
/** The browser's single sign-on session (the `gatehouse_sso` cookie). */
export const SSO_DOOR = 'sso';
