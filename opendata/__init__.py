"""opendata: disclosure catalogues and service guides as versioned Frictionless Data Packages."""

__version__ = "0.1.0"
