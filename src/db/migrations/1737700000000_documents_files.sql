-- Up Migration

-- Evidence that arrived as a file (issue 12): the original bytes, content-addressed by their
-- sha256, with the text extracted from them (already redacted) and, for PDFs, where each page
-- starts in that text, so a citation's character offset maps to a page number.
CREATE TABLE evidence_files (
  sha256        text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type    text NOT NULL,
  size_bytes    integer NOT NULL CHECK (size_bytes > 0),
  -- NULL when the extracted text held a secret: then only the redacted text is kept, never the bytes.
  content       bytea,
  withheld_reason text,
  extracted_text text NOT NULL,
  -- The sha256 of extracted_text: the evidence_documents row of the document made from this file.
  text_sha256   text NOT NULL,
  -- PDFs: page_offsets[n] is the character offset (0-based, UTF-16 units) where page n starts.
  page_offsets  integer[],
  uploaded_by   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((content IS NULL) = (withheld_reason IS NOT NULL)),
  CHECK (content IS NULL OR octet_length(content) = size_bytes)
);

-- Which file a handoff's evidence document was made from, with the kind as given or inferred.
CREATE TABLE handoff_document_files (
  handoff_id    text NOT NULL,
  document_id   text NOT NULL,
  file_sha256   text NOT NULL REFERENCES evidence_files (sha256),
  filename      text,
  kind          text NOT NULL,
  kind_inferred boolean NOT NULL,
  -- A PDF too long for one document is split into documents of consecutive pages: the pages this
  -- document holds (NULL: the whole file).
  first_page    integer CHECK (first_page >= 1),
  last_page     integer CHECK (last_page >= first_page),
  added_by      text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (handoff_id, document_id)
);
CREATE INDEX handoff_document_files_file_idx ON handoff_document_files (file_sha256);

-- Down Migration
DROP TABLE handoff_document_files;
DROP TABLE evidence_files;
