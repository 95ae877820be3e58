// Links we hand to others (call recordings sent to amoCRM): only absolute http(s) URLs of sane
// length leave us; a `javascript:`, `data:` or `file:` link from an upstream is dropped instead.

export const MAX_LINK_LENGTH = 2048;

/** The link as it may be sent on, or null when it is not an http(s) URL. */
export function outboundLink(value: string | null | undefined): string | null {
  const v = value?.trim();
  if (!v || v.length > MAX_LINK_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return null;
  }
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
}
