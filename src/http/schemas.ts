import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The native (HBP/Boom) error body, plus a stable machine-readable `code`. */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
  },
  { $id: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;

const errorRef = Type.Ref('Error');

/**
 * Declares the error statuses a route may answer with, next to its success schema.
 * 503 is always among them: any route may meet a database outage (`database-unavailable`).
 */
export function responses<R extends Record<number, TSchema>>(ok: R, ...errorStatuses: number[]) {
  const out: Record<number, TSchema> = { ...ok };
  for (const status of [...errorStatuses, 503]) out[status] = errorRef;
  return out as R & Record<number, TSchema>;
}

export const NoContent = Type.Null({ description: 'No content' });
