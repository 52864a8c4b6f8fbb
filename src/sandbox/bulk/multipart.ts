/**
 * multipart/form-data for bulk import, parsed with the WHATWG `Response#formData()` built into
 * Node (undici): no dependency, and fast enough for the 10 MB Marketo allows (~40 ms for 5 MB).
 */
import { fail, type Outcome, ok } from './outcome.js';

export interface MultipartForm {
  /** Text fields (`format`, `lookupField`, `listId`, `partitionName`, …). */
  fields: Map<string, string>;
  /** The `file` part's bytes, when present. */
  file?: Buffer;
}

export async function parseMultipart(
  body: Buffer | undefined,
  contentType: string | undefined,
): Promise<Outcome<MultipartForm>> {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) {
    return fail('612', 'Invalid Content Type');
  }
  let form: FormData;
  try {
    // Copying into a plain Uint8Array (≤ 10 MB) is what the DOM BodyInit type accepts.
    form = await new Response(new Uint8Array(body ?? Buffer.alloc(0)), {
      headers: { 'content-type': contentType },
    }).formData();
  } catch {
    return fail('613', 'Invalid Multipart Request');
  }
  const fields = new Map<string, string>();
  let file: Buffer | undefined;
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      // A file sent as a plain field (no filename) is still the file.
      if (name === 'file') file = Buffer.from(value);
      else fields.set(name, value);
    } else if (name === 'file') {
      file = Buffer.from(await value.arrayBuffer());
    }
  }
  return ok(file ? { fields, file } : { fields });
}
