"""Source discovery, contract checks and configuration loading (the only code that imports plugins)."""
