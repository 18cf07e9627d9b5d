"""The 政府信息公开工作年度报告: formats, the report as data, the rules, the checker.

No Flask here: the portal and the API read what this package builds.
"""
