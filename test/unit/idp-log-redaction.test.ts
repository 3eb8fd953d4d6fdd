import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/plugins/request-log.js';

describe("the request log keeps the identity provider's secrets out", () => {
  it('redacts an ID token hint, a device user code and a client secret in the query', () => {
    const line = redactUrl(
      '/oidc/session/end?id_token_hint=eyJhbGci.x.y&user_code=ABCD-EFGH&client_secret=s3&state=ok',
    );
    expect(line).not.toMatch(/eyJhbGci|ABCD-EFGH|s3&/);
    expect(line).toContain('state=ok');
  });
});
