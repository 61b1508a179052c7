import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

// Real evidence files made in the tests: multi-page PDFs (pdf-lib), an encrypted and a scanned one,
// DOCX files (docx) including one that inflates past a limit, and an email with a quoted reply.

/** A PDF with one page per entry; each entry's lines are drawn as real text. */
export async function pdfWithPages(pages: string[][]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([612, 792]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 740 - i * 18, size: 11, font }));
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A page with only a grey box: what a scanner's image-only PDF looks like to a text extractor. */
export async function scannedPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, 792]);
  page.drawRectangle({ x: 50, y: 50, width: 500, height: 700, color: rgb(0.8, 0.8, 0.8) });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/**
 * pdf-lib cannot encrypt, so the /Encrypt dictionary is added by hand as an incremental update:
 * Standard security handler, RC4 revision 2, with an /U entry no empty password matches, so a
 * reader needs the user password to open it.
 */
export async function encryptedPdf(): Promise<Buffer> {
  const base = await pdfWithPages([['Confidential order form.']]);
  const text = base.toString('latin1');
  const root = /\/Root\s+(\d+\s+\d+)\s+R/.exec(text)![1];
  const size = Number(/\/Size\s+(\d+)/.exec(text)![1]);
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const hex = (byte: string) => byte.repeat(32);
  const objectAt = base.length + 1;
  const object = `\n${size} 0 obj\n<< /Filter /Standard /V 1 /R 2 /Length 40 /O <${hex('5a')}> /U <${hex('a5')}> /P -44 >>\nendobj\n`;
  const xrefAt = base.length + object.length;
  const xref =
    `xref\n0 1\n0000000000 65535 f \n${size} 1\n${String(objectAt).padStart(10, '0')} 00000 n \n` +
    `trailer\n<< /Size ${size + 1} /Root ${root} R /Prev ${prev} /Encrypt ${size} 0 R /ID [<${'11'.repeat(16)}> <${'11'.repeat(16)}>] >>\n` +
    `startxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([base, Buffer.from(object + xref, 'latin1')]);
}

/** A DOCX: a heading, then one paragraph per entry. */
export async function docxWith(heading: string, paragraphs: string[]): Promise<Buffer> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(heading)] }),
          ...paragraphs.map((p) => new Paragraph({ children: [new TextRun(p)] })),
        ],
      },
    ],
  });
  return Buffer.from(await Packer.toBuffer(doc));
}

/** A DOCX of a few kilobytes whose document part inflates to `inflatedBytes`. */
export const docxBomb = (inflatedBytes: number): Promise<Buffer> => docxWith('Statement of Work', ['a'.repeat(inflatedBytes)]);

/** A reply from the buyer quoting the vendor's earlier promise. */
export const emailWithQuotedReply = (date = 'Mon, 06 Jan 2025 10:15:00 +0000'): Buffer =>
  Buffer.from(
    [
      'From: Dana Ruiz <dana@acme.example>',
      'To: Ben Ortiz <ben@vendor.example>',
      `Date: ${date}`,
      'Subject: Re: Dashboard timeline',
      'Message-ID: <reply-1@acme.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Thanks Ben. We will send the data export by Friday.',
      '',
      'Dana',
      '',
      'On Fri, 3 Jan 2025 at 09:00, Ben Ortiz <ben@vendor.example> wrote:',
      '> We can have the dashboard live before the board meeting.',
      '> Let me know when the export is ready.',
      '',
    ].join('\r\n'),
  );
