// Passkeys in the browser: WebAuthn's JSON options from the server become the binary ones
// navigator.credentials takes, and the credential it returns becomes JSON again (binary as base64url).

const toBytes = (text) => {
  const plain = text.replaceAll("-", "+").replaceAll("_", "/");
  const padded = plain + "=".repeat((4 - (plain.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
};

const toText = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

const descriptors = (list = []) => list.map((d) => ({ ...d, id: toBytes(d.id) }));

export const supported = () => typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

export async function create(options) {
  const publicKey = {
    ...options,
    challenge: toBytes(options.challenge),
    user: { ...options.user, id: toBytes(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
  const made = await navigator.credentials.create({ publicKey });
  return {
    id: made.id,
    rawId: toText(made.rawId),
    type: made.type,
    response: {
      clientDataJSON: toText(made.response.clientDataJSON),
      attestationObject: toText(made.response.attestationObject),
      transports: made.response.getTransports?.() ?? [],
    },
    clientExtensionResults: made.getClientExtensionResults?.() ?? {},
  };
}

export async function get(options) {
  const publicKey = {
    ...options,
    challenge: toBytes(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  };
  const found = await navigator.credentials.get({ publicKey });
  const response = {
    clientDataJSON: toText(found.response.clientDataJSON),
    authenticatorData: toText(found.response.authenticatorData),
    signature: toText(found.response.signature),
  };
  if (found.response.userHandle) response.userHandle = toText(found.response.userHandle);
  return { id: found.id, rawId: toText(found.rawId), type: found.type, response, clientExtensionResults: {} };
}
