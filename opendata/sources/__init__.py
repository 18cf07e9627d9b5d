"""Source discovery, contract checks and configuration loading.

The only part of the core that imports plugins.
"""
