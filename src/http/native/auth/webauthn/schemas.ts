import { Type } from '@sinclair/typebox';

const B64 = (description: string, maxLength = 4096) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]*={0,2}$', maxLength, description });

const Extensions = Type.Optional(Type.Record(Type.String(), Type.Unknown()));
const Attachment = Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]));
const Transports = Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 }));

/** A `PublicKeyCredential` from navigator.credentials.create() in JSON form (as startRegistration gives it). */
export const RegistrationCredential = Type.Object(
  {
    id: B64('The credential id', 1024),
    rawId: B64('The credential id', 1024),
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: B64('base64url JSON the browser signed'),
      attestationObject: B64('base64url CBOR attestation', 16384),
      transports: Transports,
      authenticatorData: Type.Optional(B64('', 16384)),
      publicKey: Type.Optional(B64('', 16384)),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
    }),
    authenticatorAttachment: Attachment,
    clientExtensionResults: Type.Record(Type.String(), Type.Unknown()),
  },
  { description: 'The answer of navigator.credentials.create() in JSON form (base64url fields)' },
);

/** A `PublicKeyCredential` from navigator.credentials.get(), as startAuthentication answers it. */
export const AuthenticationCredential = Type.Object(
  {
    id: B64('The credential id', 1024),
    rawId: B64('The credential id', 1024),
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: B64('base64url JSON the browser signed'),
      authenticatorData: B64('base64url authenticator data'),
      signature: B64('base64url signature'),
      userHandle: Type.Optional(B64('base64url user handle', 256)),
    }),
    authenticatorAttachment: Attachment,
    clientExtensionResults: Type.Record(Type.String(), Type.Unknown()),
  },
  { description: 'The answer of navigator.credentials.get() in JSON form (base64url fields)' },
);

const Descriptor = Type.Object({
  id: Type.String(),
  type: Type.Literal('public-key'),
  transports: Type.Optional(Type.Array(Type.String())),
});

/** PublicKeyCredentialCreationOptionsJSON: hand it to startRegistration({ optionsJSON }). */
export const CreationOptions = Type.Object({
  challenge: Type.String(),
  rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
  user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
  pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.Literal('public-key') })),
  timeout: Type.Optional(Type.Integer()),
  excludeCredentials: Type.Optional(Type.Array(Descriptor)),
  authenticatorSelection: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  attestation: Type.Optional(Type.String()),
  hints: Type.Optional(Type.Array(Type.String())),
  extensions: Extensions,
});

/** PublicKeyCredentialRequestOptionsJSON: hand it to startAuthentication({ optionsJSON }). */
export const RequestOptions = Type.Object({
  challenge: Type.String(),
  rpId: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer()),
  allowCredentials: Type.Optional(Type.Array(Descriptor)),
  userVerification: Type.Optional(Type.String()),
  hints: Type.Optional(Type.Array(Type.String())),
  extensions: Extensions,
});

export const Nickname = Type.String({ minLength: 1, maxLength: 100, description: 'A name to tell passkeys apart' });

export const PasskeyInfo = Type.Object({
  id: Type.String({ format: 'uuid' }),
  nickname: Type.Union([Type.String(), Type.Null()]),
  credential_id: Type.String(),
  transports: Type.Array(Type.String()),
  device_type: Type.String({ description: '`singleDevice`, or `multiDevice` for a synced passkey' }),
  backed_up: Type.Boolean(),
  aaguid: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const presentPasskey = (p: {
  id: string;
  nickname: string | null;
  credentialId: string;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  aaguid: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}) => ({
  id: p.id,
  nickname: p.nickname,
  credential_id: p.credentialId,
  transports: p.transports,
  device_type: p.deviceType,
  backed_up: p.backedUp,
  aaguid: p.aaguid,
  created_at: p.createdAt.toISOString(),
  last_used_at: p.lastUsedAt?.toISOString() ?? null,
});
