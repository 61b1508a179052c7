import mammoth from 'mammoth';
import yauzl from 'yauzl';
import { refuse } from './types';

// DOCX is a zip: its parts are inflated and counted (not trusting the sizes the zip declares) before
// mammoth reads it, so a small file that inflates to gigabytes is refused instead of parsed.

const MAX_ENTRIES = 10_000;

/** The bytes the zip's entries inflate to, stopping as soon as they pass `limit`. */
export function inflatedSize(bytes: Uint8Array, limit: number): Promise<{ total: number; over: boolean }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('not a zip'));
      let total = 0;
      let entries = 0;
      const done = (over: boolean) => {
        zip.close();
        resolve({ total, over });
      };
      zip.on('error', reject);
      zip.on('end', () => done(false));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (++entries > MAX_ENTRIES || total + entry.uncompressedSize > limit) return done(true);
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr ?? new Error('unreadable entry'));
          stream.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > limit) {
              stream.destroy();
              done(true);
            }
          });
          stream.on('error', reject);
          stream.on('end', () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  });
}

export async function docxText(bytes: Uint8Array, maxDecompressedBytes: number): Promise<string> {
  let size: { total: number; over: boolean };
  try {
    size = await inflatedSize(bytes, maxDecompressedBytes);
  } catch (err) {
    return refuse(422, 'unreadable_docx', `the DOCX could not be read as a zip (${String((err as Error)?.message ?? err).slice(0, 200)}); save it again from Word`);
  }
  if (size.over) {
    return refuse(413, 'docx_too_large', `the DOCX inflates to more than ${maxDecompressedBytes} bytes (the limit); remove embedded media or split the document`);
  }
  try {
    const { value } = await mammoth.extractRawText({ buffer: Buffer.from(bytes) });
    return value;
  } catch (err) {
    return refuse(422, 'unreadable_docx', `the DOCX could not be read (${String((err as Error)?.message ?? err).slice(0, 200)}); save it again from Word`);
  }
}
