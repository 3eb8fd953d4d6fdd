/** A role's name, wherever one is given (API schemas, CLI options, configuration). */
export const ROLE_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
