"""The scheduler process: cron jobs per source, queued API requests, retries, heartbeat.

Modules: ``settings`` (the SCHEDULER config), ``triggers`` (schedule strings), ``jobs`` (the
job functions and the job store sync), ``runner`` (order, retries, alerts), ``refresh_queue``,
``state`` (od_source_state), ``heartbeat``, ``webhook``, ``status`` (what the API shows) and
``process`` (``opendata scheduler``).
"""
