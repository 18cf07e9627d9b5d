"""The refresh pipeline: extract → build → validate → publish, orchestrated by ``refresh``."""
