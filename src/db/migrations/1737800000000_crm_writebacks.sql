-- What a kickoff release wrote back to the CRM deal (HubSpot: a note and a deal property), once per
-- handoff and packet version: a retried release finds its row and writes nothing twice.
CREATE TABLE crm_writebacks (
  handoff_id      text NOT NULL,
  packet_version  integer NOT NULL,
  system          text NOT NULL,
  record_id       text NOT NULL,
  note_id         text,
  property_set_at timestamptz,
  -- The CRM refused the record for good (a deleted deal, an unknown property): kept, not retried.
  rejected        text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (handoff_id, packet_version)
);
