import { AppError, errors } from '../../../core/errors.js';
import { type Envelope, isUnknownPath } from '../manifest.js';

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** A login failure in HumHub's own login shape ({code, message}), unlike the Yii errors of the other routes. */
export class LoginError extends AppError {
  constructor(status: 400 | 401 | 429, message: string, headers: Record<string, string> = {}) {
    super('humhub-login', status, message, headers);
  }
}

/** HumHub's Yii error body; its login route answers {code, message} instead. */
export const humhubEnvelope: Envelope = (err, request) => {
  // A path no URL rule of HumHub's REST module matches (an unknown one, or a known one with another verb) is not
  // routed at all: Yii answers its NotFoundHttpException "Page not found." in JSON, before any authentication.
  if (isUnknownPath(request))
    return { status: 404, body: { name: 'Not Found', message: 'Page not found.', code: 0, status: 404 } };
  if (err instanceof LoginError) return { status: err.status, body: { code: err.status, message: err.message } };
  if (err.status === 401 && !errors.secondFactorRequired.is(err) && !errors.passkeyRequired.is(err))
    return {
      status: 401,
      body: { name: 'Unauthorized', message: 'Your request was made with invalid credentials.', code: 0, status: 401 },
    };
  const message = err.status >= 500 && err.status !== 503 ? 'An internal server error occurred.' : err.message;
  return {
    status: err.status,
    body: {
      name: STATUS_NAMES[err.status] ?? (err.status >= 500 ? 'Internal Server Error' : 'Error'),
      message,
      code: 0,
      status: err.status,
    },
  };
};
