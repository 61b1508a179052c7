import { extractText, getDocumentProxy } from 'unpdf';
import { refuse } from './types';

// PDF text page by page (unpdf's serverless PDF.js build): the page boundaries are kept so a
// citation can name its page.

export async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: PDF.js may transfer (detach) the buffer it is given.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === 'PasswordException') {
      return refuse(422, 'encrypted_pdf', 'the PDF is encrypted and needs a password; remove the password (print or save it unprotected) and upload it again');
    }
    return refuse(422, 'unreadable_pdf', `the PDF could not be read (${String((err as Error)?.message ?? err).slice(0, 200)}); export it again from the application that made it`);
  }
  try {
    const { text } = await extractText(pdf, { mergePages: false });
    if (!text.some((page) => page.trim().length > 0)) {
      return refuse(422, 'scanned_pdf', 'the PDF has no text layer: scanned; send a text PDF or OCR it first');
    }
    return text;
  } finally {
    await pdf.loadingTask.destroy();
  }
}
