import { errors } from '../../core/errors.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';

/**
 * Routes of a switched-off feature answer 404 and name the variable that switches them
 * on (HBP answered 500). They are registered in place of the real routes, before any
 * authentication, and kept out of the OpenAPI document.
 */
export function registerDisabled(
  app: App,
  variable: string,
  routes: [method: 'GET' | 'POST', url: string][],
  wanted: 'true' | 'false' = 'true',
) {
  for (const [method, url] of routes) {
    app.route({
      method,
      url,
      schema: { hide: true, response: responses({}, 404) },
      handler: async (request) => {
        throw errors.featureDisabled(
          `${method} ${request.url.split('?')[0]} is disabled: set ${variable}=${wanted} to enable it`,
        );
      },
    });
  }
}
