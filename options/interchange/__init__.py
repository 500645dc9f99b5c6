"""
Interchange formats: stakeholders and their ties in the formats other tools read, and
stakeholders from the sanctions data others publish. One module a job:

- `popolo`: the Popolo JSON export (https://www.popoloproject.com/specs/): stakeholders as
  persons and organizations, affiliations as memberships, countries as areas.
- `ftm_export`: the FollowTheMoney export (https://followthemoney.tech/explorer/), as JSON
  lines: stakeholders as Person, Organization, PublicBody or LegalEntity entities, sanction
  measures as Sanction entities.
- `ftm_import`: `ftm_import` reads such entities back, e.g. an OpenSanctions extract, into
  stakeholders, matching the ones already here.
- `common`: what they share: entity ids, links to records, the read snapshot, JSON writing.

The exports are written as they are read, a chunk of rows at a time, with a fixed number of
queries whatever the number of rows, in one snapshot of the database (so that every reference in
a document points at something in it). Entities keep the same ids in both formats:
`policytracker-stakeholder-<id>`, `policytracker-affiliation-<id>`,
`policytracker-sanction-<id>`.

The names other modules use are importable from here.
"""

from options.interchange.common import RecordLinks, json_lines
from options.interchange.ftm_export import FTM_PARTY_SCHEMATA, FTM_PROPERTIES, ftm_export
from options.interchange.ftm_import import FtMImportError, FtMImportReport, ftm_import
from options.interchange.popolo import (
    POPOLO_CLASSIFICATIONS,
    POPOLO_IDENTIFIER_SCHEMES,
    POPOLO_MEMBER_TYPES,
    POPOLO_PROPERTIES,
    popolo_export,
)

__all__ = [
    "FTM_PARTY_SCHEMATA",
    "FTM_PROPERTIES",
    "POPOLO_CLASSIFICATIONS",
    "POPOLO_IDENTIFIER_SCHEMES",
    "POPOLO_MEMBER_TYPES",
    "POPOLO_PROPERTIES",
    "FtMImportError",
    "FtMImportReport",
    "RecordLinks",
    "ftm_export",
    "ftm_import",
    "json_lines",
    "popolo_export",
]
