"""The published read model: what every protocol (/api/v1, CKAN, DCAT, the portal) reads.

No Flask here: snapshots of the current or a named version with the one retry rule for pruned
versions (:mod:`.snapshot`), the catalogue of published datasets and its search
(:mod:`.catalogue`, :mod:`.search`), freshness (:mod:`.freshness`), what the catalog says about
sources (:mod:`.sources`), download files (:mod:`.exports`), links (:mod:`.links`) and the
schema.org view (:mod:`.schemaorg`). Values go through :mod:`opendata.codec`.
"""
