"""When things should run: the ``SCHEDULER`` settings and the cron triggers.

Shared knowledge, not the scheduler process: the scheduler runs jobs by it, and serving judges
freshness by the very same triggers and allowances, so that they cannot disagree.
"""
