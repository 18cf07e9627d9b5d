"""Storage: the catalog (SQLAlchemy Core) and the datastore's row tables."""
