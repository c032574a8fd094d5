// How a key's last segment (a domain name) becomes a file name, and how long it may be: the file and the
// atomic-write temp file beside it (".NAME.json.PID.TIME+RANDOM.tmp", up to 33 bytes more) must fit in
// NAME_MAX, 255 bytes on Linux file systems. The definition rules ask here, so a name that validates can
// always be stored.
export const MAX_ENCODED_KEY_SEGMENT = 200

/** Percent-encoded, dots too (no ".", ".." or hidden files): "db 01" → "db%2001". */
export const encodeKeySegment = (segment: string): string => encodeURIComponent(segment).replace(/\./g, '%2E')
